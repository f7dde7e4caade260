// Command shop is the feature-toggle article's main.py as a Go app: it shows user 123
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
// (default $FLAGGEN_REDIS_URL) every shop (and the flaggen CLI) shares live
// state in Redis, under -namespace (default $FLAGGEN_NAMESPACE, else
// "default": the CLI's default, so that 'flaggen disable new_ui' reaches the
// shops without -namespace); with -watch it keeps running, checks traffic
// every -traffic-every, and prints a line each time a flag it uses changes,
// until interrupted ("Exiting main program...").
//
// Options:
//
//	-user ID, -region R, -account-type T, -beta   the user's context (the article's UserContext for 123;
//	                 T is free, premium or enterprise)
//	-env NAME        the environment (default production)
//	-query Q         the search query (default "test query")
//	-redis URL       share live state in Redis (redis://host:port/db, or host:port; default $FLAGGEN_REDIS_URL)
//	-namespace NS    the Redis namespace (default $FLAGGEN_NAMESPACE, else default, as the CLI)
//	-watch           keep running and print each change of new_ui or advanced_search
//	-drop PERCENT    the simulated traffic drop (default 25: main.py's lowest, 25 to 35%,
//	                 below the threshold of 30, so a plain run prints what main.py prints
//	                 and trips nothing for the other shops; -drop 35 trips new_ui)
//	-traffic-every D how often -watch checks traffic (default 10s, as the article's)
//	-feedback TEXT   record the user's feedback about new_ui
package main
