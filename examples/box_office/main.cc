// box_office: a ticket-sale web backend on holdfast that survives the noon rush.
//
// An HTTP/1.1 JSON API (see api.h) over one holdfast::Sale, served by Boost.Beast with one
// I/O thread per core (see server.h). It starts with no arguments: the built-in sale
// (sale_json.h) and three demo tokens printed on stderr. The chosen port is printed on
// stdout as "port N", so scripts can start it with --port=0 and read the port.
//
//   box_office                                          # built-in sale, ephemeral port
//   box_office --port=8080 --sale_config=sale.json --tokens=tokens.txt
//   box_office --generate_tokens=10000 > tokens.txt     # one token per buyer, then exit
//
// SIGTERM or SIGINT drains it gracefully (requests in flight are answered) and it exits 0.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "api.h"
#include "buyer_tokens.h"
#include "handle_map.h"
#include "holdfast/holdfast.h"
#include "metrics.h"
#include "sale_json.h"
#include "server.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "Address to listen on; loopback by default.");
ABSL_FLAG(int32_t, port, 0, "Port to listen on; 0 picks a free one (printed as \"port N\").");
ABSL_FLAG(int32_t, threads, 0, "I/O threads; 0 means one per core.");
ABSL_FLAG(int32_t, max_connections, 16384,
          "Open client connections; one more gets a 503 and is closed in order.");
ABSL_FLAG(int32_t, listen_backlog, 65535, "listen(2) backlog; capped by net.core.somaxconn.");
ABSL_FLAG(std::string, sale_config, "", "JSON file describing the sale; empty: the built-in one.");
ABSL_FLAG(std::string, tokens, "",
          "Token file, lines \"token buyer_id\"; empty: make 3 demo tokens, shown on stderr.");
ABSL_FLAG(int64_t, generate_tokens, 0,
          "If > 0: print this many fresh \"token buyer_id\" lines (buyers 1..N) and exit.");
ABSL_FLAG(int64_t, idle_timeout_ms, 30000, "Keep-alive wait for the next request.");
ABSL_FLAG(int64_t, header_timeout_ms, 10000, "From a request's first byte to its header's end.");
ABSL_FLAG(int64_t, body_timeout_ms, 10000, "From a request's header to its body's end.");
ABSL_FLAG(int64_t, drain_timeout_ms, 10000, "On SIGTERM: how long requests in flight may take.");
ABSL_FLAG(int64_t, header_limit, 8192, "Bytes of request line + headers (431 beyond).");
ABSL_FLAG(int64_t, body_limit, 16384, "Bytes of request body (413 beyond).");
ABSL_FLAG(int64_t, sweep_interval_ms, 100, "How often the holdfast::Sweeper expires holds.");
ABSL_FLAG(int64_t, handles_max, 0, "Hold handles remembered; 0: twice the sale's holds_max.");
ABSL_FLAG(int64_t, hold_ttl_min_ms, 1000,
          "Shortest ttl_seconds accepted on hold and extend (400 below, 0 included); >= 1.");
ABSL_FLAG(int64_t, idempotency_keys_per_buyer, 32,
          "Distinct Idempotency-Keys a buyer may use over the sale (429 beyond); >= 1.");
ABSL_FLAG(int32_t, live_holds_per_buyer, 16,
          "Live holds a buyer may have at once, whatever the sale allows (429 beyond); >= 1.");

namespace {

// Lets the process use every file descriptor its hard limit allows: each connection is one.
void RaiseFileLimit(int64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (static_cast<int64_t>(limit.rlim_cur) < wanted) {
    std::fprintf(stderr,
                 "box_office: warning: file limit %lld < max_connections + 64; raise ulimit -n\n",
                 static_cast<long long>(limit.rlim_cur));
  }
}

std::optional<box_office::BuyerTokens> LoadTokens() {
  const std::string path = absl::GetFlag(FLAGS_tokens);
  if (path.empty()) {
    box_office::BuyerTokens tokens = box_office::BuyerTokens::Generate(3);
    for (const auto& [token, buyer] : tokens.pairs()) {
      std::fprintf(stderr, "box_office: demo token for buyer %llu: %s\n",
                   static_cast<unsigned long long>(buyer), token.c_str());
    }
    return tokens;
  }
  absl::StatusOr<box_office::BuyerTokens> tokens = box_office::BuyerTokens::Load(path);
  if (!tokens.ok()) {
    std::fprintf(stderr, "box_office: %s\n", std::string(tokens.status().message()).c_str());
    return std::nullopt;
  }
  return *std::move(tokens);
}

std::unique_ptr<holdfast::Sale> MakeSale() {
  const std::string path = absl::GetFlag(FLAGS_sale_config);
  absl::StatusOr<holdfast::SaleConfig> config =
      path.empty() ? box_office::ParseSaleConfig(box_office::DefaultSaleJson(), absl::Now())
                   : box_office::LoadSaleConfig(path, absl::Now());
  if (!config.ok()) {
    std::fprintf(stderr, "box_office: %s\n", std::string(config.status().message()).c_str());
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = holdfast::Sale::Create(*config);
  if (!sale.ok()) {
    std::fprintf(stderr, "box_office: sale config: %s\n",
                 std::string(sale.status().message()).c_str());
    return nullptr;
  }
  return *std::move(sale);
}

box_office::ServerOptions ServerOptionsFromFlags() {
  box_office::ServerOptions options;
  options.address = absl::GetFlag(FLAGS_address);
  options.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_port));
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.listen_backlog = absl::GetFlag(FLAGS_listen_backlog);
  options.header_limit = static_cast<size_t>(absl::GetFlag(FLAGS_header_limit));
  options.body_limit = static_cast<size_t>(absl::GetFlag(FLAGS_body_limit));
  options.idle_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_idle_timeout_ms));
  options.header_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_header_timeout_ms));
  options.body_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_body_timeout_ms));
  options.drain_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_drain_timeout_ms));
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("A ticket-sale HTTP backend on holdfast. See the file banner.");
  absl::ParseCommandLine(argc, argv);
  if (const int64_t count = absl::GetFlag(FLAGS_generate_tokens); count > 0) {
    const box_office::BuyerTokens generated = box_office::BuyerTokens::Generate(count);
    for (const auto& [token, buyer] : generated.pairs()) {
      std::cout << token << ' ' << buyer << '\n';
    }
    return 0;
  }
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535 || absl::GetFlag(FLAGS_max_connections) < 1) {
    std::fprintf(stderr, "box_office: --port must be 0..65535, --max_connections >= 1\n");
    return 2;
  }
  box_office::ApiOptions api_options;
  api_options.hold_ttl_min = absl::Milliseconds(absl::GetFlag(FLAGS_hold_ttl_min_ms));
  api_options.idempotency_keys_per_buyer_max =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_idempotency_keys_per_buyer)));
  api_options.live_holds_per_buyer_max = absl::GetFlag(FLAGS_live_holds_per_buyer);
  if (absl::GetFlag(FLAGS_hold_ttl_min_ms) < 1 ||
      absl::GetFlag(FLAGS_idempotency_keys_per_buyer) < 1 ||
      api_options.live_holds_per_buyer_max < 1) {
    std::fprintf(stderr,
                 "box_office: --hold_ttl_min_ms, --idempotency_keys_per_buyer and "
                 "--live_holds_per_buyer must be >= 1\n");
    return 2;
  }
  RaiseFileLimit(int64_t{absl::GetFlag(FLAGS_max_connections)} + 64);
  std::optional<box_office::BuyerTokens> tokens = LoadTokens();
  std::unique_ptr<holdfast::Sale> sale = MakeSale();
  if (!tokens || !sale) return 2;

  const int64_t handles_max = absl::GetFlag(FLAGS_handles_max) > 0
                                  ? absl::GetFlag(FLAGS_handles_max)
                                  : std::max<int64_t>(4096, 2 * int64_t{sale->config().holds_max});
  box_office::HandleMap handles(static_cast<size_t>(handles_max));
  box_office::Metrics metrics;
  holdfast::Sweeper sweeper(sale.get(), absl::Milliseconds(absl::GetFlag(FLAGS_sweep_interval_ms)));
  box_office::Api api(sale.get(), &*tokens, &handles, &metrics, &sweeper, api_options);

  box_office::ServerOptions options = ServerOptionsFromFlags();
  options.housekeeping = [&api] { api.PurgeHandles(); };
  box_office::Server server(options, &api, &metrics);
  if (absl::Status listening = server.Listen(); !listening.ok()) {
    std::fprintf(stderr, "box_office: %s\n", std::string(listening.message()).c_str());
    return 1;
  }
  std::cout << "port " << server.port() << std::endl;  // flushed: a test is waiting for it
  std::fprintf(stderr, "box_office: serving http://%s:%u/ (SIGTERM drains and exits)\n",
               options.address.c_str(), static_cast<unsigned>(server.port()));
  server.Run();
  sweeper.Stop();
  const holdfast::SaleStats stats = sale->Stats();
  std::fprintf(stderr, "box_office: drained; %lld units sold, %lld held, %lld holds expired\n",
               static_cast<long long>(stats.sold_units), static_cast<long long>(stats.held_units),
               static_cast<long long>(stats.holds_expired));
  return 0;
}
