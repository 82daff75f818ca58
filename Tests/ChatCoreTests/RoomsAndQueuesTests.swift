import ChatCore
import Testing

struct RoomRegistryTests {
    @Test func joinLeaveAndCounts() {
        var registry = RoomRegistry<Int, String>()
        registry.join("a", key: 1, member: "one")
        registry.join("a", key: 2, member: "two")
        registry.join("b", key: 3, member: "three")
        registry.join("a", key: 1, member: "one again")
        #expect(registry.memberCount == 3)
        #expect(registry.roomCount == 2)
        #expect(registry.members(of: "a") == [1: "one again", 2: "two"])
        #expect(registry.members(of: "nowhere").isEmpty)
        let r1 = registry.leave("a", key: 1)
        #expect(r1)
        let r2 = registry.leave("a", key: 1)
        #expect(!r2)
        let r3 = registry.leave("b", key: 2)
        #expect(!r3)
        let r4 = registry.leave("b", key: 3)
        #expect(r4)
        #expect(registry.roomCount == 1)
        #expect(registry.memberCount == 1)
        #expect(registry.allMembers == ["two"])
    }
}

struct SendQueueTests {
    @Test func boundedInBytes() {
        var queue = SendQueue<String>(limitBytes: 10)
        let r5 = queue.append("a", bytes: 4)
        #expect(r5 == .queued)
        let r6 = queue.append("b", bytes: 6)
        #expect(r6 == .queued)
        #expect(queue.queuedBytes == 10)
        let r7 = queue.append("c", bytes: 1)
        #expect(r7 == .overflow)
        #expect(queue.count == 2)
        let r8 = queue.popFirst()
        #expect(r8 == "a")
        #expect(queue.queuedBytes == 6)
        let r9 = queue.append("c", bytes: 4)
        #expect(r9 == .queued)
        let r10 = queue.popFirst()
        #expect(r10 == "b")
        let r11 = queue.popFirst()
        #expect(r11 == "c")
        let r12 = queue.popFirst()
        #expect(r12 == nil)
        #expect(queue.isEmpty && queue.queuedBytes == 0)
    }

    @Test func keepsOrderThroughManyCycles() {
        var queue = SendQueue<Int>(limitBytes: 1000)
        var next = 0
        var expected = 0
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) {
                let r13 = queue.append(next, bytes: 1)
                #expect(r13 == .queued)
                next += 1
            }
            for _ in 0..<(round % 5 + 1) {
                guard let value = queue.popFirst() else { break }
                #expect(value == expected)
                expected += 1
            }
        }
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == next)
        #expect(queue.queuedBytes == 0)
        queue.removeAll()
        #expect(queue.isEmpty)
    }
}

struct ReplayGateTests {
    @Test func liveEventsWaitForTheReplayAndRepeatsAreDropped() {
        var gate = ReplayGate<String>(replaying: true)
        let r14 = gate.live("m5", messageID: 5)
        #expect(r14 == nil)
        let r15 = gate.live("join", messageID: nil)
        #expect(r15 == nil)
        let r16 = gate.live("m6", messageID: 6)
        #expect(r16 == nil)
        #expect(gate.pendingCount == 3)
        // The replay held messages up to 5: the live copy of 5 is dropped, the rest follow in order.
        let r17 = gate.finishReplay(lastReplayedID: 5)
        #expect(r17 == ["join", "m6"])
        #expect(!gate.isReplaying)
        let r18 = gate.live("m6 late copy", messageID: 6)
        #expect(r18 == nil)
        let r19 = gate.live("m4 late copy", messageID: 4)
        #expect(r19 == nil)
        let r20 = gate.live("m7", messageID: 7)
        #expect(r20 == "m7")
        let r21 = gate.live("leave", messageID: nil)
        #expect(r21 == "leave")
        #expect(gate.lastMessageID == 7)
    }

    @Test func emptyReplayPassesEverything() {
        var gate = ReplayGate<String>(replaying: true)
        let r22 = gate.live("m1", messageID: 1)
        #expect(r22 == nil)
        let r23 = gate.finishReplay(lastReplayedID: nil)
        #expect(r23 == ["m1"])
        var plain = ReplayGate<String>(replaying: false)
        let r24 = plain.live("m1", messageID: 1)
        #expect(r24 == "m1")
        let r25 = plain.live("m2", messageID: 2)
        #expect(r25 == "m2")
    }
}

struct HeartbeatTests {
    @Test func aSilentPeerIsDroppedAtTheSecondTick() {
        var heartbeat = Heartbeat()
        let r26 = heartbeat.tick()
        #expect(r26 == .sendPing)
        heartbeat.received()
        let r27 = heartbeat.tick()
        #expect(r27 == .sendPing)
        let r28 = heartbeat.tick()
        #expect(r28 == .drop)
    }
}
