// Package redistest starts throwaway redis-server processes (a single node, a
// Cluster of masters, or a master, replica and Sentinel) on free loopback
// ports for tests, so that a test can stop, restart or fail over the Redis it
// talks to.
//
// Servers run in a temporary directory with no background persistence and
// never on the default port 6379, so a developer's own Redis is never touched.
// When redis-server is not on PATH the test is skipped with a hint (install it
// with `apt-get install redis-server` and run `FLAGGEN_REQUIRE_REDIS=1 make
// test`); with FLAGGEN_REQUIRE_REDIS=1 the test fails instead, which is what CI
// does.
package redistest
