/// The command lines of FCGIApp, ChatDaemon and JobRunner, read by one small parser: commands of
/// one or more words, then `--option VALUE`, `--flag` and plain words.
///
/// Not swift-argument-parser: it was measured here at 1.1 MB more RSS in every pool worker
/// (13.9 → 15.0 MB: it loads FoundationEssentials into the master, whose pages each forked
/// worker then maps; README, "Module map").
///
/// ```swift
/// let parser = CommandLineParser([
///     .init(["migrate", "up"], options: ["--dir"]),
///     .init(["serve"], options: ["--listen", "--workers"]),
/// ], default: ["serve"])
/// let line = try parser.parse(["migrate", "up", "--dir", "db"])
/// line.command          // ["migrate", "up"]
/// line.value("--dir")   // "db"
/// ```
public struct CommandLineParser: Sendable {
    /// One command the program understands, and what may follow it.
    public struct Command: Sendable {
        public let words: [String]
        /// Options that take a value (`--listen ADDRESS`).
        public let options: Set<String>
        /// Options without a value (`--admin`).
        public let flags: Set<String>
        /// Whether plain words may follow (`user grant … PERMISSION…`).
        public let takesArguments: Bool

        public init(_ words: [String], options: Set<String> = [], flags: Set<String> = [], takesArguments: Bool = false) {
            self.words = words
            self.options = options
            self.flags = flags
            self.takesArguments = takesArguments
        }
    }

    /// What a command line asks for.
    public struct Line: Sendable, Equatable {
        /// The command's words (`["migrate", "up"]`); `["help"]` for `-h`/`--help`/`help`.
        public var command: [String]
        public var values: [String: String] = [:]
        public var flags: Set<String> = []
        public var arguments: [String] = []

        public init(command: [String], values: [String: String] = [:], flags: Set<String> = [], arguments: [String] = []) {
            self.command = command
            self.values = values
            self.flags = flags
            self.arguments = arguments
        }

        public func value(_ option: String) -> String? { values[option] }
        public func has(_ flag: String) -> Bool { flags.contains(flag) }

        /// An option's value as a whole number within `range`, nil when absent.
        public func int(_ option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
            guard let text = values[option] else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw UsageError("\(option) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
    }

    public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    public let commands: [Command]
    /// The command of a line that names none (its first word is an option, or it is empty).
    public let defaultCommand: [String]?

    public init(_ commands: [Command], default defaultCommand: [String]? = nil) {
        self.commands = commands
        self.defaultCommand = defaultCommand
    }

    public func parse(_ words: [String]) throws(UsageError) -> Line {
        var rest = words[...]
        if let first = rest.first, ["help", "-h", "--help"].contains(first) { return Line(command: ["help"]) }
        // The longest command whose words open the line.
        let command =
            commands.filter { Array(rest.prefix($0.words.count)) == $0.words }.max { $0.words.count < $1.words.count }
            ?? (rest.first.map { !$0.hasPrefix("-") } ?? false
                ? nil
                : defaultCommand.flatMap { name in
                    commands.first { $0.words == name }
                })
        guard let command else {
            let known = commands.map { $0.words.joined(separator: " ") }.joined(separator: ", ")
            throw UsageError(rest.first.map { "unknown command '\($0)' (one of: \(known))" } ?? "a command is needed: \(known)")
        }
        if Array(rest.prefix(command.words.count)) == command.words { rest = rest.dropFirst(command.words.count) }
        var line = Line(command: command.words)
        while let word = rest.popFirst() {
            if word == "-h" || word == "--help" { return Line(command: ["help"]) }
            if command.options.contains(word) {
                guard let value = rest.popFirst() else { throw UsageError("\(word) needs a value") }
                line.values[word] = value
            } else if command.flags.contains(word) {
                line.flags.insert(word)
            } else if command.takesArguments, !word.hasPrefix("-") {
                line.arguments.append(word)
            } else {
                let kind = word.hasPrefix("-") ? "option" : "argument"
                let place = command.words.isEmpty ? "" : " for '\(command.words.joined(separator: " "))'"
                throw UsageError("unknown \(kind) '\(word)'\(place)")
            }
        }
        return line
    }
}
