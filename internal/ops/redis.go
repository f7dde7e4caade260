package ops

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// NewRedisClient builds the client for an operator's Redis URL: a single
// node (redis://, rediss://, unix://: redis.ParseURL; a bare HOST:PORT is
// redis://HOST:PORT), a Cluster (redis+cluster://: redis.ParseClusterURL)
// or Sentinel (redis+sentinel://: redis.ParseFailoverURL), with short
// timeouts: an operator waits at the terminal. Its errors may quote
// rawURL: show them through redisurl.Error.
func NewRedisClient(rawURL string, timeout time.Duration) (redis.UniversalClient, error) {
	if !strings.Contains(rawURL, "://") {
		if _, _, err := net.SplitHostPort(rawURL); err == nil {
			rawURL = "redis://" + rawURL // a bare HOST:PORT is one node
		}
	}
	scheme, rest, found := strings.Cut(rawURL, "://")
	if !found {
		return nil, errors.New(`not a URL: want HOST:PORT, redis://HOST:PORT, redis+cluster://HOST:PORT or redis+sentinel://HOST:PORT?master_name=NAME`)
	}
	base, kind, _ := strings.Cut(strings.ToLower(scheme), "+")
	goURL := base + "://" + rest // the form go-redis' parsers take
	dial := dialTimeout(timeout)
	quietRedis.Do(func() { redis.SetLogger(voidLogger{}) }) // its errors reach the user as ours
	switch kind {
	case "":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			if q := urlQuery(rawURL); q.Has("master_name") || q.Has("addr") {
				err = fmt.Errorf("%v (for Sentinel write redis+sentinel://…, for a Cluster redis+cluster://…)", err)
			}
			return nil, err
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewClient(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(goURL)
		if err != nil {
			return nil, err
		}
		if p := strings.Trim(urlPath(goURL), "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("a Cluster has only database 0, not %q", p)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewClusterClient(o), nil
	case "sentinel":
		o, err := redis.ParseFailoverURL(goURL)
		if err != nil {
			return nil, err
		}
		if o.MasterName == "" {
			return nil, errors.New("a Sentinel URL needs the master's name: ?master_name=NAME")
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewFailoverClient(o), nil
	}
	return nil, fmt.Errorf("unknown URL scheme %q: want redis, rediss, unix, redis+cluster, rediss+cluster, redis+sentinel or rediss+sentinel", scheme)
}

// dialTimeout bounds the connection to Redis: the -timeout, up to 2s.
func dialTimeout(timeout time.Duration) time.Duration { return min(timeout, 2*time.Second) }

// probe sends Redis one PING, bounded by timeout: one exchange that tells
// a Redis that cannot be used (down, silent, or refusing the connection's
// setup, e.g. a database index out of range or a wrong password) before
// anything else is attempted, so that the failure takes one timeout.
func probe(rdb redis.UniversalClient, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

// describeFailure says what a failed exchange with Redis, bounded by
// timeout, tells: "answered with an error: REPLY" when the server replied
// (an error reply, e.g. "ERR DB index is out of range", "WRONGPASS …":
// it was reachable), else "unreachable: CAUSE" for a network failure,
// where a timeout is named as such ("no reply within 1s (-timeout)").
// Its text may quote the URL: show it through redisurl.Error.
func describeFailure(err error, timeout time.Duration) string {
	var reply redis.Error
	if errors.As(err, &reply) && !errors.Is(err, redis.Nil) {
		return "answered with an error: " + reply.Error()
	}
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.As(err, &op) && op.Op == "dial" && op.Timeout():
		return fmt.Sprintf("unreachable: no connection within %v (-timeout)", dialTimeout(timeout))
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("unreachable: no reply within %v (-timeout)", timeout)
	}
	return "unreachable: " + unwrapDegraded(err).Error()
}

func urlQuery(raw string) url.Values {
	if u, err := url.Parse(raw); err == nil {
		return u.Query()
	}
	return nil
}

func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return ""
}

// quietRedis silences go-redis' own logger once: the operator surfaces
// report every failure themselves, once, as "redis at URL unreachable".
var quietRedis sync.Once

type voidLogger struct{}

func (voidLogger) Printf(context.Context, string, ...any) {}

// changesChannel is the pub/sub channel on which redisstore announces the
// changes of namespace ns (redisstore.Store.Key("changes")), to which every
// running app instance of the namespace is subscribed.
func changesChannel(ns string) string { return "flaggen:{" + ns + "}:changes" }

// countSubscribers asks Redis how many clients are subscribed to channel
// (PUBSUB NUMSUB). In a Cluster, subscribers attach to the master of the
// channel's slot (go-redis subscribes there), which alone counts them.
func countSubscribers(rdb redis.UniversalClient, channel string, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var c redis.Cmdable = rdb
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		m, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return 0, err
		}
		c = m
	}
	n, err := c.PubSubNumSub(ctx, channel).Result()
	if err != nil {
		return 0, err
	}
	return n[channel], nil
}

// unwrapDegraded drops redisstore's generic prefixes from err, keeping
// the cause.
func unwrapDegraded(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range []string{"flaggen: redis store degraded: ", "flaggen: ", "redis load failed: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return errors.New(msg)
}
