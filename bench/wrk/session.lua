-- wrk script for requests that carry a session or a form: the same
-- templates as loadgen.
--   BENCH_METHOD    POST (default) or GET (no body)
--   BENCH_BODY      body template: {key} a new 32-hex idempotency key per
--                   request, {pick} a random 7-digit number in 1..BENCH_PICK,
--                   {csrf} the CSRF token of the session in turn, {day}
--                   a date of its own for each request (as loadgen's)
--   BENCH_COOKIE    Cookie header template ({cookie} is the session's)
--   BENCH_SESSIONS  file of "cookie<TAB>csrf" lines, used in turn
--   BENCH_PICK      upper bound of {pick}
-- Responses that are not 2xx or 3xx are counted and printed at the end.
local method = os.getenv("BENCH_METHOD") or "POST"
local body_t = os.getenv("BENCH_BODY") or ""
local cookie_t = os.getenv("BENCH_COOKIE")
local pick = tonumber(os.getenv("BENCH_PICK") or "1")
local sessions = {}

local f = os.getenv("BENCH_SESSIONS") and io.open(os.getenv("BENCH_SESSIONS"))
if f then
  for line in f:lines() do
    local c, t = line:match("^([^\t]+)\t(.+)$")
    if c then sessions[#sessions + 1] = { cookie = c, csrf = t } end
  end
  f:close()
end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  seq, turn, failed = 0, id, 0
  prefix = string.format("%08x%08x", math.random(0, 0x7fffffff), id)
end

function request()
  seq = seq + 1
  local s = sessions[(turn % math.max(#sessions, 1)) + 1]
  turn = turn + 1
  local key = string.format("%s%016x", prefix, seq)
  local b = body_t:gsub("{key}", key)
                  :gsub("{pick}", function() return string.format("%07d", math.random(1, pick)) end)
                  :gsub("{day}", os.date("!%Y-%m-%d", 1740787200 - 86400 * (seq % 20000)))
  local headers = {}
  if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  if s then
    b = b:gsub("{csrf}", s.csrf)
    if cookie_t then headers["Cookie"] = cookie_t:gsub("{cookie}", s.cookie) end
  elseif cookie_t then
    headers["Cookie"] = cookie_t
  end
  return wrk.format(method, nil, headers, method == "POST" and b or nil)
end

function response(status, headers, body)
  if status < 200 or status >= 400 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("failed") or 0) end
  io.write(string.format("failed responses: %d\n", n))
end
