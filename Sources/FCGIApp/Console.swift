import Startup

/// FCGIApp's lines for a person at a terminal (results and start-up failures).
let Console = TerminalOutput(program: "FCGIApp")
