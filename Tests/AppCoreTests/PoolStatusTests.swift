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
        #expect(text == #"{"pool":"www","process manager":"static","start time":1000,"start since":100,"#
                + #""accepted conn":12,"idle processes":1,"active processes":1,"total processes":2,"#
                + #""max active processes":2,"slow requests":3,"worker exits":4}"#)
    }

    @Test func fullListsEachProcess() {
        let text = String(decoding: status.json(now: 1_100, full: true), as: UTF8.self)
        #expect(text.hasSuffix(#""processes":[{"pid":7,"state":"Running","start time":1010,"start since":90,"#
                + #""requests":5,"request duration":250},{"pid":8,"state":"Idle","start time":1020,"#
                + #""start since":80,"requests":7,"request duration":90}]}"#))
    }
}
