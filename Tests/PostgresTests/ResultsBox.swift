/// Collects per-thread results; each thread writes only its own slot and is joined before reading.
final class ResultsBox {
    var values: [Result<[Int], any Error>] = [.success([]), .success([])]

    func set(_ index: Int, _ value: Result<[Int], any Error>) {
        values[index] = value
    }
}
