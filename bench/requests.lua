-- wrk script: replay pre-built, unique, signed requests (one per line: "path?query<TAB>body").
-- Each thread takes its own slice, so no message is sent twice.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("BENCH_REQUESTS")
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  requests = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local tab = line:find("\t", 1, true)
      table.insert(requests, wrk.format("POST", line:sub(1, tab - 1),
        {["Content-Type"] = "text/xml"}, line:sub(tab + 1)))
    end
    i = i + 1
  end
  index = 0
end

function request()
  index = index + 1
  if index > #requests then
    index = 1  -- ran out: duplicates from here on (the bench sizes the file to avoid this)
    wrapped = true
  end
  return requests[index]
end

-- No response(): wrk counts non-2xx answers itself (summary.errors.status), and a Lua
-- response() would make it hand every answer's headers and body to Lua, costing the load
-- generator CPU that the server under test then lacks.
function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors=%d\n", summary.errors.status))
end
