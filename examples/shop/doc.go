// Command shop is the seed article's main.py as a Go app: it shows user 123
// the new UI and the advanced search when their flags are on, runs the
// search under the performance monitor and reports its errors, runs the
// traffic monitor, and collects feedback — with a generated, typed flags
// package (./flags) and no `if` on advanced_search: the app injects the
// generated SearchServiceFactory, which hands out NewSearchService or
// OldSearchService by the flag's state.
//
// Usage:
//
//	go run ./examples/shop [options]
//
// By default it evaluates on the embedded spec with a private in-memory
// store, prints what main.py prints for user 123 and exits. With -redis URL
// every shop (and the flaggen CLI) shares live state in Redis, under
// -namespace (default "shop"); with -watch it keeps running, checks traffic
// every -traffic-every, and prints a line each time a flag it uses changes,
// until interrupted ("Exiting main program...").
//
// Options:
//
//	-user ID, -region R, -account-type T, -beta   the user's context (the seed's UserContext for 123)
//	-env NAME        the environment (default production)
//	-query Q         the search query (default "test query")
//	-redis URL       share live state in Redis (redis://host:port/db, or host:port)
//	-namespace NS    the Redis namespace (default shop)
//	-watch           keep running and print each change of new_ui or advanced_search
//	-drop PERCENT    the simulated traffic drop (default 25; the seed's threshold is 30)
//	-traffic-every D how often -watch checks traffic (default 10s, as the seed)
//	-feedback TEXT   record the user's feedback about new_ui
package main
