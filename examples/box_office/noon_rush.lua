-- noon_rush.lua: the wrk script of load_test.sh, a crowd of buyers at noon.
--
-- Each buyer has its own token (from the token file) and walks the flow a browser would:
-- GET /v1/sale (press F5), POST /v1/holds for 1-2 tickets if anything is left, then POST
-- confirm (pay) or, in the first part of the run only, release (change their mind), and back
-- to F5. Every buyer has at most one request in flight, and there are as many buyers as
-- connections, so each request in flight is one buyer's.
--
-- wrk gives a script no connection identity, and a response need not come back on the
-- connection that asks next, so each request carries "X-Request-Id: <buyer>", which the
-- server echoes, and response() moves that buyer's flow on.
--
--   wrk -t2 -c10000 -d20s -s noon_rush.lua http://127.0.0.1:PORT -- TOKENS THREADS RELEASE_S
-- args: the token file; wrk's thread count; seconds from the start during which a buyer
-- may release instead of confirm (afterwards every hold is confirmed, so the sale can end
-- exactly sold out).

local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

local buyers = {}       -- buyers[i] = {token=, step=, hold=}
local ready = {}        -- a FIFO of buyer indexes with nothing in flight
local ready_head, ready_tail = 1, 0
local release_until = 0

local function push_ready(i)
  ready_tail = ready_tail + 1
  ready[ready_tail] = i
end

local function pop_ready()
  if ready_head > ready_tail then return nil end
  local i = ready[ready_head]
  ready[ready_head] = nil
  ready_head = ready_head + 1
  return i
end

function init(args)
  local path, threads = args[1], tonumber(args[2])
  release_until = os.time() + tonumber(args[3])
  math.randomseed(os.time() + thread_index * 7919)
  local n = 0
  for line in io.lines(path) do
    local token = line:match("^(%S+)%s+%d+")
    if token then
      if n % threads == thread_index then
        buyers[#buyers + 1] = {token = token, step = "look"}
        push_ready(#buyers)
      end
      n = n + 1
    end
  end
end

function request()
  local i = pop_ready()
  if i == nil then  -- cannot happen with buyers >= connections; stay harmless if it does
    return wrk.format("GET", "/health")
  end
  local b = buyers[i]
  local headers = {["Authorization"] = "Bearer " .. b.token, ["X-Request-Id"] = tostring(i)}
  if b.step == "look" then
    return wrk.format("GET", "/v1/sale", headers)
  elseif b.step == "hold" then
    headers["Content-Type"] = "application/json"
    local type = math.random() < 0.8 and "regular" or "student"
    local body = string.format('{"lines":[{"type":"%s","quantity":%d}]}', type,
                               math.random(1, 2))
    return wrk.format("POST", "/v1/holds", headers, body)
  else  -- "confirm" or "release"
    return wrk.format("POST", "/v1/holds/" .. b.hold .. "/" .. b.step, headers)
  end
end

function response(status, headers, body)
  local i = tonumber(headers["X-Request-Id"])
  local b = i and buyers[i]
  if not b then return end
  if b.step == "look" then
    -- Anything left anywhere? Then try to hold; otherwise keep pressing F5.
    if status == 200 and body:find('"available":[1-9]') then b.step = "hold" end
  elseif b.step == "hold" then
    local handle = (status == 200 or status == 201) and body:match('"hold":"(%x+)"')
    if handle then
      b.hold = handle
      local release = os.time() < release_until and math.random() < 0.1
      b.step = release and "release" or "confirm"
    else
      b.step = "look"  -- sold out, limit reached: back to F5
    end
  else
    b.step, b.hold = "look", nil
  end
  push_ready(i)
end
