-- wrk's report for tests/bench/run.pl: one line, microseconds
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "bench: requests %d duration %d p50 %d p99 %d "
        .. "errors connect %d read %d write %d status %d timeout %d\n",
        summary.requests, summary.duration, latency:percentile(50),
        latency:percentile(99), e.connect, e.read, e.write, e.status,
        e.timeout))
end
