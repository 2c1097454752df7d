-- wrk script for the bare endpoint: the same size of body, no signing needed.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = string.rep("x", 700)

function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors=%d\n", summary.errors.status))
end
