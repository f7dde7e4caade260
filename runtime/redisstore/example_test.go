package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// ExampleNew shares live state between the instances of an app through
// Redis. (It needs a Redis server, so it is compiled but not run.)
func ExampleNew() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:       []string{"redis-1:6379"}, // several addresses: Cluster; with MasterName: Sentinel
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond, MaxRetries: 1,
	})
	defer rdb.Close()
	s, err := redisstore.New(rdb, redisstore.WithNamespace("shop"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// A generated package's New takes the same option: flags.New(runtime.WithStore(s)).
	spec := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {"dark_mode": {"active": true}}}`))
	c, err := runtime.NewClient(spec, runtime.WithStore(s), runtime.WithEnvironment("production"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(c.Evaluate(context.Background(), "dark_mode", nil))
}
