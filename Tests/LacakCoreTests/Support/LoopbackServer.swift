import LoopbackHTTP

/// A real HTTP server on 127.0.0.1 with a free port, running inside the test process.
typealias LoopbackServer = LoopbackHTTPServer
