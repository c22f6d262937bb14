// server.h: the HTTP/1.1 server of the box office: Boost.Beast on Boost.Asio, built to
// survive the flash crowd at noon.
//
// What it does against the crowd, and why:
// - Asynchronous I/O on one io_context run by one thread per core: 10,000 open connections
//   cost 10,000 small objects, not 10,000 threads. Each connection runs on its own strand.
// - Keep-alive: a buyer's browser reuses its connection for availability, hold and confirm.
// - Bounded requests: the request line (414), the header block (431) and the body (413) each
//   have a limit, checked while parsing, so a client can't make the server buffer more. A
//   chunked body's data counts against the body limit, and its framing (chunk sizes,
//   extensions, line ends) and trailers against the header limit (431).
// - No smuggling: framing a proxy could read differently is refused and the connection
//   closed (request_framing.h: Transfer-Encoding not ending in chunked, obsolete line
//   folding, a missing or repeated Host, an unknown Expect, two Authorization headers).
// - HEAD is answered as GET without the body.
// - Timeouts against slowloris: an idle keep-alive connection is closed after idle_timeout;
//   once a request starts, its whole header must arrive within header_timeout (a deadline,
//   not reset by each trickled byte), its body within body_timeout; past one the connection
//   is closed (Beast's tcp_stream closes the socket on a timeout, so no 408 is sent).
// - A bound on connections: past max_connections an accepted connection gets a short 503
//   with "Connection: close" and an orderly close, not a reset or a silent queue.
// - Graceful shutdown (SIGTERM, SIGINT or Shutdown()): stop accepting, /health answers 503,
//   idle connections close, requests in flight finish and are answered with
//   "Connection: close"; after drain_timeout whatever is left is closed.
// - Closes are orderly: after a final response the server shuts down its sending side and
//   discards what the client still sends (briefly), so the client reads the response
//   instead of a reset.
//
//   Server server(options, &api, &metrics);
//   if (absl::Status s = server.Listen(); !s.ok()) ...
//   std::cout << server.port() << std::endl;
//   server.Run();  // returns after a signal and the drain
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_SERVER_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_SERVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api.h"
#include "metrics.h"

namespace box_office {

struct ServerOptions {
  std::string address = "127.0.0.1";                  // loopback only unless told otherwise
  uint16_t port = 0;                                  // 0: an ephemeral port, see Server::port()
  int threads = 0;                                    // 0: one per core
  int max_connections = 16384;                        // open client connections; 503 beyond
  int listen_backlog = 65535;                         // the kernel caps it at net.core.somaxconn
  size_t request_line_limit = 2048;                   // method + target + version (414)
  size_t header_limit = 8192;                         // request line + every header (431)
  size_t body_limit = 16384;                          // (413)
  absl::Duration idle_timeout = absl::Seconds(30);    // keep-alive wait for a next request
  absl::Duration header_timeout = absl::Seconds(10);  // first byte to end of header
  absl::Duration body_timeout = absl::Seconds(10);    // end of header to end of body
  absl::Duration write_timeout = absl::Seconds(10);   // a response to a slow reader
  absl::Duration linger_timeout = absl::Seconds(2);   // orderly close: wait for the client's FIN
  absl::Duration drain_timeout = absl::Seconds(10);   // shutdown: wait for in-flight requests
  // Called every housekeeping_interval on an I/O thread (the handle purge); may be empty.
  std::function<void()> housekeeping;
  absl::Duration housekeeping_interval = absl::Seconds(1);
};

class Server {
 public:
  // `api` and `metrics` must outlive the server.
  Server(const ServerOptions& options, Api* api, Metrics* metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Returns the error (address in use, bad address) as a status.
  absl::Status Listen();

  // The port listened on (the chosen one when options.port was 0). After Listen().
  uint16_t port() const { return port_; }

  // Serves on options.threads threads (the caller's among them) until a SIGTERM or SIGINT,
  // or Shutdown(), and the drain that follows are over.
  void Run();

  // Starts the graceful shutdown. Thread-safe; idempotent.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_SERVER_H_
