-- wrk script: each request sends the next body of a file, once; the run ends when all are answered.
-- wrk -t T -c C -d BUDGET --latency -s bodies.lua URL -- BODIES METHOD PATH CONTENT_TYPE EXPECT MARKERS T
--   BODIES: one body per line, thread k takes lines k, k+T, k+2T... (never a body twice)
--   EXPECT: an answer counts as good when its status is 200 and its body starts with this
--   MARKERS: directory where each thread writes "done-<k>" when all its requests are answered
--            (the caller then interrupts wrk, whose own clock only knows the budget)
-- Each thread times itself (CLOCK_MONOTONIC), so throughput = answered / (last answer - first send).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local threads = {}
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

local queue, sent = {}, 0
total = 0
local expect, markers = "", nil

local function finish()
  last = now_us()
  local marker = io.open(markers .. "/done-" .. tid, "w")
  if marker then marker:close() end
  wrk.thread:stop()
end

function init(args)
  local path, method, target, content_type = args[1], args[2], args[3], args[4]
  expect, markers = args[5], args[6]
  local nthreads = tonumber(args[7])
  local headers = { ["Content-Type"] = content_type }
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == tid then
      if method == "GET" then
        queue[#queue + 1] = wrk.format(method, target, {}, nil)
      else
        queue[#queue + 1] = wrk.format(method, target, headers, line)
      end
    end
    index = index + 1
  end
  total = #queue
  answered, good, first, last, bad_sample = 0, 0, 0, 0, ""
  if total == 0 then
    local marker = io.open(markers .. "/done-" .. tid, "w")
    if marker then marker:close() end
  end
end

local verified = false

function request()
  if tid == 0 and not verified then
    -- wrk calls request() once on thread 0 before the run, to check what it returns (and never
    -- sends that one): give it a request of the same shape without using up a body.
    verified = true
    return queue[1] or wrk.format("GET", "/health", {}, nil)
  end
  if sent >= total then
    return "" -- nothing left: this connection stays idle until the others are answered
  end
  sent = sent + 1
  if first == 0 then first = now_us() end
  return queue[sent]
end

function response(status, headers, body)
  answered = answered + 1
  if status == 200 and body:sub(1, #expect) == expect then
    good = good + 1
  elseif bad_sample == "" then
    bad_sample = status .. " " .. body:sub(1, 120)
  end
  if answered >= total then finish() end
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local answered_all, good_all, first_all, last_all, planned, sample = 0, 0, nil, 0, 0, ""
  for _, thread in ipairs(threads) do
    answered_all = answered_all + thread:get("answered")
    good_all = good_all + thread:get("good")
    planned = planned + thread:get("total")
    local f, l = thread:get("first"), thread:get("last")
    if f > 0 and (first_all == nil or f < first_all) then first_all = f end
    if l > last_all then last_all = l end
    if sample == "" then sample = thread:get("bad_sample") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"planned": %d, "answered": %d, "good": %d, "first_us": %.0f, "last_us": %.0f, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
    .. '"duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "bad_sample": %s}\n',
    planned, answered_all, good_all, first_all or 0, last_all,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    summary.duration, e.connect, e.read, e.write, e.timeout, quote(sample)))
end
