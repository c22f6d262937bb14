// server.cc: the Beast/Asio server of the box office; see server.h for what it defends
// against. The connection classes live here, private to the server.
#include "server.h"

#include <array>
#include <cerrno>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "holdfast/clock.h"
#include "request_framing.h"

namespace box_office {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

int64_t NowNanos() { return holdfast::SystemClock::Get()->MonotonicNanos(); }

std::chrono::nanoseconds ToChrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

// At most this many connections are being turned away at once; beyond, a connection is
// closed at once (the client sees a reset: the server is past every bound it promised).
constexpr int kRejectingMax = 1024;
// At most this many connections are accepted in one go before the acceptor yields; a burst
// costs a few milliseconds, far less than one trip through a busy io_context queue.
constexpr int kAcceptBurstMax = 4096;
// At most this many bytes are read and dropped from a client while closing in order.
constexpr size_t kLingerBytesMax = 64 * 1024;

// The whole answer to a connection past max_connections, written without parsing anything.
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 32\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"too_many_connections\"}";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

class Session;

// What every connection shares with the server. Held by shared_ptr so that connections
// outliving Server::Run (they can't, but a bug must not become a use-after-free) stay safe.
struct Shared {
  ServerOptions options;
  Api* api = nullptr;
  Metrics* metrics = nullptr;
  std::atomic<bool> draining{false};           // relaxed is enough; sessions_mu orders the race
  std::atomic<int> rejecting{0};               // relaxed: a bound, not a synchronisation point
  std::mutex sessions_mu;                      // off the request path: taken at open and close only
  std::list<std::weak_ptr<Session>> sessions;  // guarded by sessions_mu

  template <typename F>
  void ForEachSession(F f) {
    std::lock_guard<std::mutex> lock(sessions_mu);
    for (const std::weak_ptr<Session>& weak : sessions) {
      if (std::shared_ptr<Session> session = weak.lock()) f(std::move(session));
    }
  }
};

// A client connection: its stream and the orderly close, shared by Session and Rejecter.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;

 protected:
  Connection(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}

  // Stops sending, then reads and drops what the client still sends until it closes, the
  // linger timeout or kLingerBytesMax. Closing with unread input would make the kernel send
  // a reset, and the client could lose the response it has not read yet.
  void LingerAndClose() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(ToChrono(shared_->options.linger_timeout));
    ReadAndDrop();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;

 private:
  void ReadAndDrop() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](error_code ec, size_t bytes) {
                              self->discarded_ += bytes;
                              if (ec || self->discarded_ >= kLingerBytesMax) {
                                error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->ReadAndDrop();
                            });
  }

  std::array<char, 1024> scratch_{};
  size_t discarded_ = 0;
};

// A connection past max_connections: one fixed 503, then an orderly close.
class Rejecter : public Connection {
 public:
  Rejecter(tcp::socket socket, std::shared_ptr<Shared> shared)
      : Connection(std::move(socket), std::move(shared)) {
    shared_->rejecting.fetch_add(1, std::memory_order_relaxed);
  }
  ~Rejecter() override { shared_->rejecting.fetch_sub(1, std::memory_order_relaxed); }

  void Start() {
    stream_.expires_after(ToChrono(shared_->options.write_timeout));
    net::async_write(
        stream_, net::buffer(kTooManyConnections.data(), kTooManyConnections.size()),
        [self = std::static_pointer_cast<Rejecter>(shared_from_this())](error_code ec, size_t) {
          if (ec) return;  // the client left; the socket closes with us
          self->LingerAndClose();
        });
  }
};

// One keep-alive client connection: requests are read, answered and written one at a time,
// every step on the connection's strand.
class Session : public Connection {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : Connection(std::move(socket), std::move(shared)),
        buffer_(shared_->options.header_limit + shared_->options.body_limit + 4096) {
    shared_->metrics->ConnectionOpened();
  }

  ~Session() override {
    if (registered_) {
      std::lock_guard<std::mutex> lock(shared_->sessions_mu);
      shared_->sessions.erase(registry_entry_);
    }
    shared_->metrics->ConnectionClosed();
  }

  void Start() {
    {
      std::lock_guard<std::mutex> lock(shared_->sessions_mu);
      registry_entry_ = shared_->sessions.insert(shared_->sessions.end(), Self());
      registered_ = true;
    }
    net::dispatch(stream_.get_executor(), [self = Self()] { self->WaitForRequest(); });
  }

  // On the strand, when the server starts draining: a connection between requests (or in
  // the middle of a request's header) is closed; a request in flight is finished first.
  void OnShutdown() {
    if (state_ == State::kIdle || state_ == State::kReadingHeader) stream_.cancel();
  }

  // On the strand, when the drain timeout has passed: closes whatever is left.
  void ForceClose() {
    error_code ignored;
    stream_.socket().close(ignored);
  }

  auto get_executor() { return stream_.get_executor(); }

 private:
  enum class State : uint8_t { kIdle, kReadingHeader, kInFlight, kClosing };

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  // Between requests: waits up to idle_timeout for the first byte of the next one.
  void WaitForRequest() {
    if (shared_->draining.load(std::memory_order_relaxed)) return Close();
    state_ = State::kIdle;
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    stream_.expires_after(ToChrono(shared_->options.idle_timeout));
    stream_.async_read_some(buffer_.prepare(1024), [self = Self()](error_code ec, size_t n) {
      self->buffer_.commit(n);
      if (ec) {
        if (ec == beast::error::timeout) self->shared_->metrics->ConnectionTimedOut();
        return self->Close();
      }
      self->ReadHeader();
    });
  }

  // The header, all of it within header_timeout of its first byte: a deadline for the
  // whole read, so trickling one byte at a time does not extend it (slowloris).
  void ReadHeader() {
    state_ = State::kReadingHeader;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.header_limit));
    parser_->body_limit(shared_->options.body_limit);
    header_scanned_ = 0;
    chunked_bytes_ = 0;
    stream_.expires_after(ToChrono(shared_->options.header_timeout));
    ParseHeader();
  }

  std::string_view BufferView() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.data().size()};
  }

  // Looks at the raw bytes that arrived for what Beast accepts but a proxy could frame
  // differently (obsolete line folding), feeds them to the parser, and reads more while the
  // header is unfinished. Beast's own async_read_header would hide the raw bytes.
  void ParseHeader() {
    const std::string_view raw = BufferView();
    const size_t end = HeaderEnd(raw, header_scanned_);
    const std::string_view header = raw.substr(0, end);  // npos: all of it
    if (HasObsoleteLineFolding(header, header_scanned_)) {
      return Fail(400, "obsolete_line_folding", "a header line starts with a space or tab");
    }
    header_scanned_ = header.size();
    while (!parser_->is_header_done() && buffer_.size() > 0) {
      error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_scanned_ -= std::min(header_scanned_, used);  // offsets follow the consumed bytes
      if (ec && ec != http::error::need_more) return OnReadError(ec, /*in_header=*/true);
      if (used == 0) break;  // need more bytes
    }
    if (parser_->is_header_done()) return OnHeader();
    const size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return OnReadError(http::error::header_limit, /*in_header=*/true);
    stream_.async_read_some(buffer_.prepare(std::min<size_t>(room, 4096)),
                            [self = Self()](error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->OnReadError(ec, /*in_header=*/true);
                              self->ParseHeader();
                            });
  }

  void OnHeader() {
    state_ = State::kInFlight;
    started_ns_ = NowNanos();
    const Request& request = parser_->get();
    if (request.target().size() > shared_->options.request_line_limit) {
      return Fail(414, "uri_too_long", "the request target is too long");
    }
    if (const std::optional<FramingError> error = CheckFraming(request)) {
      return Fail(error->status, error->code, error->message);
    }
    stream_.expires_after(ToChrono(shared_->options.body_timeout));
    if (parser_->is_done()) return Dispatch();
    if (request.find(http::field::expect) != request.end()) {  // 100-continue: CheckFraming
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = Self()](error_code write_ec, size_t) {
                         if (write_ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->chunked()) return ReadChunkedBody();
    http::async_read(stream_, buffer_, *parser_, [self = Self()](error_code ec, size_t) {
      if (ec) return self->OnReadError(ec, /*in_header=*/false);
      self->Dispatch();
    });
  }

  // A chunked body, piece by piece: its data counts against body_limit (Beast checks it),
  // and everything else on the wire (chunk sizes, extensions, line ends, trailers) against
  // header_limit, so neither can be used to make the server parse and keep more.
  void ReadChunkedBody() {
    http::async_read_some(stream_, buffer_, *parser_, [self = Self()](error_code ec, size_t n) {
      // Data is consumed as it arrives, so only framing or trailers can fill the buffer.
      if (ec == http::error::buffer_overflow) ec = http::error::header_limit;
      if (ec) return self->OnReadError(ec, /*in_header=*/false);
      self->chunked_bytes_ += n;  // bytes the parser consumed
      if (self->chunked_bytes_ - self->parser_->get().body().size() >
          self->shared_->options.header_limit) {
        return self->Fail(431, "header_too_large", "chunk framing or trailers are too large");
      }
      if (self->parser_->is_done()) return self->Dispatch();
      self->ReadChunkedBody();
    });
  }

  // A request that could not be read: the right status where the client can still read
  // one, then an orderly close, since the stream's framing can no longer be trusted.
  void OnReadError(error_code ec, bool in_header) {
    if (started_ns_ == 0 || in_header) started_ns_ = NowNanos();
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      // tcp_stream has closed the socket already, so there is no 408 to send; a slow client
      // learns it from the close, which is all a slowloris attack deserves.
      shared_->metrics->ConnectionTimedOut();
      return Close();
    }
    if (ec == http::error::header_limit || (in_header && ec == http::error::buffer_overflow)) {
      // The parser sets the target once the request line is complete (and consumes the
      // line): without one, the request line alone is past the limit.
      if (in_header && parser_->get().target().empty()) {
        return Fail(414, "uri_too_long", "the request line is too long");
      }
      return Fail(431, "header_too_large", "the request header is too large");
    }
    if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
      return Fail(413, "body_too_large", "the request body is too large");
    }
    Fail(400, "bad_request", ec.message());
  }

  void Dispatch() {
    Request request = parser_->release();
    Route route = Route::kUnrouted;
    Response response = shared_->api->Handle(request, &route);
    if (request.method() == http::verb::head) {
      // Answered like GET, without the body: Content-Length still says the GET's length.
      response.prepare_payload();
      const size_t length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    // Echoed so that a client (or the load test's wrk script) can match responses to
    // requests; bounded so it can't be used to inflate responses.
    if (const auto id = request.find("X-Request-Id");
        id != request.end() && id->value().size() <= 64) {
      response.set("X-Request-Id", id->value());
    }
    const bool keep_alive =
        request.keep_alive() && !shared_->draining.load(std::memory_order_relaxed);
    Write(std::move(response), route, request.version(), keep_alive);
  }

  void Fail(int status, std::string_view code, std::string_view message) {
    state_ = State::kInFlight;
    if (started_ns_ == 0) started_ns_ = NowNanos();
    buffer_.consume(buffer_.size());
    Write(Api::ErrorResponse(status, code, message), Route::kUnrouted, 11, false);
  }

  void Write(Response response, Route route, unsigned version, bool keep_alive) {
    response.version(version == 10 ? 10 : 11);
    response.keep_alive(keep_alive);
    if (!response.has_content_length()) response.prepare_payload();
    response_ = std::make_unique<Response>(std::move(response));
    stream_.expires_after(ToChrono(shared_->options.write_timeout));
    http::async_write(
        stream_, *response_, [self = Self(), route, keep_alive](error_code ec, size_t) {
          self->shared_->metrics->CountRequest(route,
                                               static_cast<int>(self->response_->result_int()),
                                               NowNanos() - self->started_ns_);
          self->response_.reset();
          self->started_ns_ = 0;
          if (ec) return;  // the client is gone; nothing left to say
          if (!keep_alive) return self->Close();
          self->WaitForRequest();
        });
  }

  void Close() {
    if (state_ == State::kClosing) return;
    state_ = State::kClosing;
    LingerAndClose();
  }

  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<Response> response_;
  State state_ = State::kIdle;
  size_t header_scanned_ = 0;  // bytes of the buffer already looked at by ParseHeader
  size_t chunked_bytes_ = 0;   // bytes of a chunked body consumed by the parser, framing included
  int64_t started_ns_ = 0;
  bool registered_ = false;
  std::list<std::weak_ptr<Session>>::iterator registry_entry_;
};

}  // namespace
}  // namespace box_office

namespace box_office {

struct Server::Impl {
  Impl(const ServerOptions& options, Api* api, Metrics* metrics)
      : threads(options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        ioc(threads),
        control(net::make_strand(ioc)),
        acceptor(net::make_strand(ioc)),
        accept_retry(acceptor.get_executor()),
        signals(control, SIGINT, SIGTERM),
        drain_timer(control),
        housekeeping_timer(control),
        shared(std::make_shared<Shared>()) {
    shared->options = options;
    shared->api = api;
    shared->metrics = metrics;
  }

  void Accept();
  void OnAccept(error_code ec, tcp::socket socket);
  void Admit(tcp::socket socket);
  void Housekeep();
  void Drain(int64_t deadline_ns, bool forced);

  const int threads;
  net::io_context ioc;
  // Serialises the signal set and the timers of the server itself.
  net::strand<net::io_context::executor_type> control;
  tcp::acceptor acceptor;  // on its own strand: Shutdown() closes it from any thread
  net::steady_timer accept_retry;
  net::signal_set signals;
  net::steady_timer drain_timer;
  net::steady_timer housekeeping_timer;
  std::shared_ptr<Shared> shared;
};

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors or memory: the connection waits in the kernel's queue while
    // the server pauses briefly, instead of spinning on a failing accept.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  Admit(std::move(socket));
  // Take every connection the kernel has already completed now (the acceptor is
  // non-blocking). One accept per trip through the io_context queue would starve them: with
  // 10,000 busy connections ahead in the queue, a new one would wait seconds to be accepted.
  for (int i = 0; i < kAcceptBurstMax; ++i) {
    tcp::socket next(net::make_strand(ioc));
    acceptor.accept(next, ec);
    if (ec) break;  // would_block: the queue is empty; any other error: the next accept says
    Admit(std::move(next));
  }
  Accept();
}

void Server::Impl::Admit(tcp::socket socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // small responses go out at once
  if (shared->metrics->open_connections() >= shared->options.max_connections) {
    shared->metrics->ConnectionRejected();
    if (shared->rejecting.load(std::memory_order_relaxed) < kRejectingMax) {
      std::make_shared<Rejecter>(std::move(socket), shared)->Start();
    }
  } else {
    std::make_shared<Session>(std::move(socket), shared)->Start();
  }
}

void Server::Impl::Housekeep() {
  housekeeping_timer.expires_after(ToChrono(shared->options.housekeeping_interval));
  housekeeping_timer.async_wait([this](error_code ec) {
    if (ec || shared->draining.load(std::memory_order_relaxed)) return;
    if (shared->options.housekeeping) shared->options.housekeeping();
    Housekeep();
  });
}

// Polls until every connection is closed; past the deadline, closes what is left and gives
// the closes a second before stopping the io_context outright.
void Server::Impl::Drain(int64_t deadline_ns, bool forced) {
  if (shared->metrics->open_connections() == 0 &&
      shared->rejecting.load(std::memory_order_relaxed) == 0) {
    return;  // nothing left: the io_context runs out of work and Run() returns
  }
  if (NowNanos() >= deadline_ns) {
    if (forced) return ioc.stop();
    shared->ForEachSession([](std::shared_ptr<Session> session) {
      net::post(session->get_executor(), [session] { session->ForceClose(); });
    });
    deadline_ns = NowNanos() + 1'000'000'000;
    forced = true;
  }
  drain_timer.expires_after(std::chrono::milliseconds(20));
  drain_timer.async_wait([this, deadline_ns, forced](error_code ec) {
    if (!ec) Drain(deadline_ns, forced);
  });
}

Server::Server(const ServerOptions& options, Api* api, Metrics* metrics)
    : impl_(std::make_unique<Impl>(options, api, metrics)) {}

Server::~Server() = default;

absl::Status Server::Listen() {
  error_code ec;
  const net::ip::address address = net::ip::make_address(impl_->shared->options.address, ec);
  if (ec) return absl::InvalidArgumentError("bad listen address: " + ec.message());
  const tcp::endpoint endpoint(address, impl_->shared->options.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(impl_->shared->options.listen_backlog, ec);
  if (!ec) acceptor.non_blocking(true, ec);  // see OnAccept: accepts come in bursts
  if (ec) return absl::UnavailableError("listen: " + ec.message());
  port_ = acceptor.local_endpoint().port();
  return absl::OkStatus();
}

void Server::Run() {
  impl_->signals.async_wait([this](error_code ec, int) {
    if (!ec) Shutdown();
  });
  net::post(impl_->control, [this] { impl_->Housekeep(); });
  net::post(impl_->acceptor.get_executor(), [this] { impl_->Accept(); });
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->threads; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (std::thread& thread : threads) thread.join();
}

void Server::Shutdown() {
  Impl& impl = *impl_;
  if (impl.shared->draining.exchange(true)) return;
  impl.shared->api->SetDraining();
  net::post(impl.acceptor.get_executor(), [&impl] {
    error_code ignored;
    impl.acceptor.close(ignored);
    impl.accept_retry.cancel();
  });
  impl.shared->ForEachSession([](std::shared_ptr<Session> session) {
    net::post(session->get_executor(), [session] { session->OnShutdown(); });
  });
  net::post(impl.control, [&impl] {
    error_code ignored;
    impl.signals.cancel(ignored);
    impl.housekeeping_timer.cancel();
    impl.Drain(NowNanos() + absl::ToInt64Nanoseconds(impl.shared->options.drain_timeout), false);
  });
}

}  // namespace box_office
