// The same hold+confirm work on the servers a team would otherwise reach for
// (DESIGN P5): Redis with a Lua script, and PostgreSQL with the usual
// "UPDATE stock SET available = available - n WHERE ... AND available >= n".
//
// Method: scripts/bench.sh starts both servers on 127.0.0.1 (free ports,
// throwaway data directories, no persistence for Redis; synchronous_commit
// off for PostgreSQL, so neither waits on a disk and the comparison is of
// in-memory work) and passes their ports in HOLDFAST_REDIS_PORT and
// HOLDFAST_PG_PORT; a server whose variable is unset is skipped, and with
// neither the program has nothing to run and says so. Each benchmark thread
// has its own connection, opened before the timed loop (a web server keeps a
// pool). Each side keeps holdfast's rules for this scenario: a hold has a TTL
// and an owner, a dead hold can't be confirmed (I4), and before answering
// SoldOut a hold returns the units of dead holds (I5); a per-buyer unit
// limit is checked. Both do the work in one round trip per operation (a Lua
// script via EVALSHA, a PL/pgSQL function via a prepared statement), the
// fastest honest use of each. One item is one hold+confirm pair.
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/contenders.h"
#include "benchmark/benchmark.h"

namespace holdfast::bench {
namespace {

constexpr int64_t kStock = int64_t{1} << 40;  // never runs out in a run
constexpr int64_t kBuyerLimit = int64_t{1} << 40;
constexpr int kTtlMs = 600'000;

const char* Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// ---------------------------------------------------------------------------
// Redis

// Hold: ARGV buyer, quantity, ttl_ms, buyer limit. Returns the hold id, -1
// for SoldOut, -2 for BuyerLimit.
constexpr char kRedisHold[] = R"lua(
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local buyer, qty = ARGV[1], tonumber(ARGV[2])
local units = tonumber(redis.call('HGET', 'hf:buyer:' .. buyer, 'units') or '0')
if units + qty > tonumber(ARGV[4]) then return -2 end
if tonumber(redis.call('GET', 'hf:available')) < qty then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', 'hf:deadlines', '-inf', now)) do
    local h = redis.call('HMGET', 'hf:hold:' .. id, 'buyer', 'qty')
    redis.call('INCRBY', 'hf:available', h[2])
    redis.call('HINCRBY', 'hf:buyer:' .. h[1], 'units', -tonumber(h[2]))
    redis.call('DEL', 'hf:hold:' .. id)
    redis.call('ZREM', 'hf:deadlines', id)
  end
  if tonumber(redis.call('GET', 'hf:available')) < qty then return -1 end
end
redis.call('DECRBY', 'hf:available', qty)
redis.call('HINCRBY', 'hf:buyer:' .. buyer, 'units', qty)
local id = redis.call('INCR', 'hf:next_id')
redis.call('HSET', 'hf:hold:' .. id, 'buyer', buyer, 'qty', qty)
redis.call('ZADD', 'hf:deadlines', now + tonumber(ARGV[3]), id)
return id
)lua";

// Confirm: ARGV id, buyer. Returns 1 (Ok), -3 (UnknownHold), -4 (NotOwner),
// -5 (Expired: the units go back).
constexpr char kRedisConfirm[] = R"lua(
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local key = 'hf:hold:' .. ARGV[1]
local h = redis.call('HMGET', key, 'buyer', 'qty')
if not h[1] then return -3 end
if h[1] ~= ARGV[2] then return -4 end
local deadline = tonumber(redis.call('ZSCORE', 'hf:deadlines', ARGV[1]))
redis.call('ZREM', 'hf:deadlines', ARGV[1])
redis.call('DEL', key)
if deadline <= now then
  redis.call('INCRBY', 'hf:available', h[2])
  redis.call('HINCRBY', 'hf:buyer:' .. h[1], 'units', -tonumber(h[2]))
  return -5
end
redis.call('INCRBY', 'hf:sold', h[2])
return 1
)lua";

// A reply's integer, or `fallback` for an error or another type.
int64_t IntegerOf(redisReply* reply, int64_t fallback) {
  const int64_t value =
      reply != nullptr && reply->type == REDIS_REPLY_INTEGER ? reply->integer : fallback;
  if (reply != nullptr) freeReplyObject(reply);
  return value;
}

std::string LoadScript(redisContext* redis, const char* script) {
  auto* reply = static_cast<redisReply*>(redisCommand(redis, "SCRIPT LOAD %s", script));
  std::string sha = reply != nullptr && reply->type == REDIS_REPLY_STRING ? reply->str : "";
  if (reply != nullptr) freeReplyObject(reply);
  return sha;
}

void BM_RedisHoldConfirm(benchmark::State& state) {
  redisContext* redis = redisConnect("127.0.0.1", std::atoi(Env("HOLDFAST_REDIS_PORT")));
  if (redis == nullptr || redis->err != 0) {
    state.SkipWithError("cannot connect to Redis");
    if (redis != nullptr) redisFree(redis);
    return;
  }
  if (state.thread_index() == 0) {
    freeReplyObject(redisCommand(redis, "FLUSHALL"));
    freeReplyObject(redisCommand(redis, "SET hf:available %lld", static_cast<long long>(kStock)));
  }
  // SCRIPT LOAD is idempotent, so every thread loads and gets the same sha.
  const std::string hold_sha = LoadScript(redis, kRedisHold);
  const std::string confirm_sha = LoadScript(redis, kRedisConfirm);
  const auto buyer = static_cast<long long>(state.thread_index()) + 1;
  WallRate rate(state);
  int64_t failures = 0;
  for (auto _ : state) {
    rate.Tick();
    const int64_t id = IntegerOf(static_cast<redisReply*>(redisCommand(
                                     redis, "EVALSHA %s 0 %lld 1 %d %lld", hold_sha.c_str(), buyer,
                                     kTtlMs, static_cast<long long>(kBuyerLimit))),
                                 -100);
    const int64_t confirmed =
        id <= 0 ? -100
                : IntegerOf(static_cast<redisReply*>(
                                redisCommand(redis, "EVALSHA %s 0 %lld %lld", confirm_sha.c_str(),
                                             static_cast<long long>(id), buyer)),
                            -100);
    if (confirmed != 1) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
  redisFree(redis);
}

// ---------------------------------------------------------------------------
// PostgreSQL

constexpr char kPostgresSchema[] = R"sql(
DROP TABLE IF EXISTS stock, buyers, holds CASCADE;
CREATE TABLE stock (type int PRIMARY KEY, available bigint NOT NULL CHECK (available >= 0));
CREATE TABLE buyers (buyer bigint PRIMARY KEY, units bigint NOT NULL);
CREATE TABLE holds (id bigserial PRIMARY KEY, type int NOT NULL, buyer bigint NOT NULL,
                    qty int NOT NULL, expires_at timestamptz NOT NULL,
                    state text NOT NULL DEFAULT 'held');
CREATE INDEX holds_live ON holds (expires_at) WHERE state = 'held';

-- I5: return the units of every dead hold.
CREATE OR REPLACE FUNCTION hf_expire() RETURNS void LANGUAGE sql AS $$
  WITH dead AS (UPDATE holds SET state = 'expired'
                WHERE state = 'held' AND expires_at <= clock_timestamp()
                RETURNING type, buyer, qty),
       by_buyer AS (UPDATE buyers b SET units = b.units - d.q
                    FROM (SELECT buyer, sum(qty) AS q FROM dead GROUP BY buyer) d
                    WHERE b.buyer = d.buyer)
  UPDATE stock s SET available = s.available + d.q
  FROM (SELECT type, sum(qty) AS q FROM dead GROUP BY type) d WHERE s.type = d.type;
$$;

-- Returns the hold id, -1 for SoldOut, -2 for BuyerLimit.
CREATE OR REPLACE FUNCTION hf_hold(p_type int, p_buyer bigint, p_qty int, p_ttl interval,
                                   p_limit bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_id bigint;
BEGIN
  INSERT INTO buyers AS b VALUES (p_buyer, p_qty) ON CONFLICT (buyer)
    DO UPDATE SET units = b.units + p_qty WHERE b.units + p_qty <= p_limit;
  IF NOT FOUND THEN RETURN -2; END IF;
  UPDATE stock SET available = available - p_qty WHERE type = p_type AND available >= p_qty;
  IF NOT FOUND THEN
    PERFORM hf_expire();
    UPDATE stock SET available = available - p_qty WHERE type = p_type AND available >= p_qty;
    IF NOT FOUND THEN
      UPDATE buyers SET units = units - p_qty WHERE buyer = p_buyer;
      RETURN -1;
    END IF;
  END IF;
  INSERT INTO holds (type, buyer, qty, expires_at)
    VALUES (p_type, p_buyer, p_qty, clock_timestamp() + p_ttl) RETURNING id INTO v_id;
  RETURN v_id;
END $$;

-- Returns 1 (Ok) or -1 (unknown, not the owner's, ended or dead: I4).
CREATE OR REPLACE FUNCTION hf_confirm(p_id bigint, p_buyer bigint) RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE holds SET state = 'confirmed'
    WHERE id = p_id AND buyer = p_buyer AND state = 'held' AND expires_at > clock_timestamp();
  RETURN CASE WHEN FOUND THEN 1 ELSE -1 END;
END $$;
)sql";

PGconn* ConnectPostgres() {
  const char* user = Env("HOLDFAST_PG_USER");
  const std::string info = absl::StrCat("host=127.0.0.1 port=", Env("HOLDFAST_PG_PORT"),
                                        " dbname=postgres user=", user ? user : "postgres");
  PGconn* conn = PQconnectdb(info.c_str());
  if (PQstatus(conn) == CONNECTION_OK) return conn;
  std::fprintf(stderr, "peers: %s", PQerrorMessage(conn));
  PQfinish(conn);
  return nullptr;
}

// Runs `sql`; false (and a message on stderr) if it failed.
bool Exec(PGconn* conn, const char* sql) {
  PGresult* result = PQexec(conn, sql);
  const ExecStatusType status = PQresultStatus(result);
  const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok) std::fprintf(stderr, "peers: %s", PQresultErrorMessage(result));
  PQclear(result);
  return ok;
}

// The first column of the first row of a prepared statement's answer.
int64_t ExecPrepared(PGconn* conn, const char* name, int count, const char* const* params) {
  PGresult* result = PQexecPrepared(conn, name, count, params, nullptr, nullptr, 0);
  const int64_t value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? std::atoll(PQgetvalue(result, 0, 0))
                            : -100;
  PQclear(result);
  return value;
}

void BM_PostgresHoldConfirm(benchmark::State& state) {
  PGconn* conn = ConnectPostgres();
  if (conn == nullptr) {
    state.SkipWithError("cannot connect to PostgreSQL");
    return;
  }
  if (state.thread_index() == 0) {
    Exec(conn, absl::StrCat("TRUNCATE holds, buyers; DELETE FROM stock; "
                            "INSERT INTO stock VALUES (0, ",
                            kStock, ");")
                   .c_str());
  }
  PQclear(PQprepare(conn, "hold",
                    "SELECT hf_hold($1::int, $2::bigint, $3::int, $4::interval, "
                    "$5::bigint)",
                    5, nullptr));
  PQclear(PQprepare(conn, "confirm", "SELECT hf_confirm($1::bigint, $2::bigint)", 2, nullptr));
  const std::string buyer = std::to_string(state.thread_index() + 1);
  const std::string ttl = absl::StrCat(kTtlMs, " milliseconds");
  const std::string limit = std::to_string(kBuyerLimit);
  const char* hold_params[] = {"0", buyer.c_str(), "1", ttl.c_str(), limit.c_str()};
  WallRate rate(state);
  int64_t failures = 0;
  for (auto _ : state) {
    rate.Tick();
    const int64_t id = ExecPrepared(conn, "hold", 5, hold_params);
    const std::string id_text = std::to_string(id);
    const char* confirm_params[] = {id_text.c_str(), buyer.c_str()};
    if (id <= 0 || ExecPrepared(conn, "confirm", 2, confirm_params) != 1) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
  PQfinish(conn);
}

// Creates the schema once; false if PostgreSQL can't be used.
bool SetUpPostgres() {
  PGconn* conn = ConnectPostgres();
  if (conn == nullptr) return false;
  const bool ok = Exec(conn, kPostgresSchema);
  PQfinish(conn);
  return ok;
}

void Register(const char* name, void (*bm)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name, bm)->Apply(ContentionThreads);
}

}  // namespace
}  // namespace holdfast::bench

int main(int argc, char** argv) {
  namespace hb = holdfast::bench;
  benchmark::Initialize(&argc, argv);
  int registered = 0;
  if (hb::Env("HOLDFAST_REDIS_PORT") != nullptr) {
    hb::Register("BM_HoldConfirm<Redis>", hb::BM_RedisHoldConfirm);
    ++registered;
  }
  if (hb::Env("HOLDFAST_PG_PORT") != nullptr) {
    if (hb::SetUpPostgres()) {
      hb::Register("BM_HoldConfirm<PostgreSQL>", hb::BM_PostgresHoldConfirm);
      ++registered;
    } else {
      std::fprintf(stderr, "peers: PostgreSQL on port %s is unusable, skipping it\n",
                   hb::Env("HOLDFAST_PG_PORT"));
    }
  }
  if (registered == 0) {
    std::fprintf(stderr,
                 "peers: HOLDFAST_REDIS_PORT and HOLDFAST_PG_PORT are unset (scripts/bench.sh "
                 "sets them); nothing to run\n");
    return 0;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
