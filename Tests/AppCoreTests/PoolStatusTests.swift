import Testing
@testable import AppCore

/// The status page's JSON, in php-fpm's field names.
struct PoolStatusTests {
    let status = PoolStatus(
        pool: "www", startTime: 1_000, acceptedConnections: 12, activeProcesses: 1, maxActiveProcesses: 2,
        slowRequests: 3, workerExits: 4,
        processes: [
            .init(pid: 7, busy: true, requests: 5, startTime: 1_010, requestDurationMicroseconds: 250),
            .init(pid: 8, busy: false, requests: 7, startTime: 1_020, requestDurationMicroseconds: 90),
        ])

    @Test func summaryHasPhpFpmsFields() {
        let text = String(decoding: status.json(now: 1_100, full: false), as: UTF8.self)
        #expect(
            text == #"{"pool":"www","process manager":"static","start time":1000,"start since":100,"#
                + #""accepted conn":12,"idle processes":1,"active processes":1,"total processes":2,"#
                + #""max active processes":2,"slow requests":3,"worker exits":4}"#)
    }

    @Test func fullListsEachProcess() {
        let text = String(decoding: status.json(now: 1_100, full: true), as: UTF8.self)
        #expect(
            text.hasSuffix(
                #""processes":[{"pid":7,"state":"Running","start time":1010,"start since":90,"#
                    + #""requests":5,"request duration":250},{"pid":8,"state":"Idle","start time":1020,"#
                    + #""start since":80,"requests":7,"request duration":90}]}"#))
    }

    @Test func otherPoolsFollowAsPools() {
        let auth = PoolStatus(
            pool: "auth", startTime: 1_050, acceptedConnections: 3, activeProcesses: 2, maxActiveProcesses: 2,
            slowRequests: 0, workerExits: 0, processes: [])
        let text = String(decoding: status.json(now: 1_100, full: false, otherPools: [auth]), as: UTF8.self)
        // This pool's fields first (php-fpm's page), then every pool of the host, this one included.
        #expect(text.hasPrefix(#"{"pool":"www","process manager":"static","#))
        #expect(
            text.hasSuffix(
                #""worker exits":4,"pools":[{"pool":"www","process manager":"static","start time":1000,"#
                    + #""start since":100,"accepted conn":12,"idle processes":1,"active processes":1,"total processes":2,"#
                    + #""max active processes":2,"slow requests":3,"worker exits":4},{"pool":"auth","process manager":"static","#
                    + #""start time":1050,"start since":50,"accepted conn":3,"idle processes":0,"active processes":2,"#
                    + #""total processes":0,"max active processes":2,"slow requests":0,"worker exits":0}]}"#))
    }
}
