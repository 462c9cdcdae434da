package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/gonjet/gonjet/dyn/broker"
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/listener"
	"github.com/gonjet/gonjet/telemetry"
)

// process is a running gateway: the configuration snapshots, the listen
// sockets and the paths it was started with.
type process struct {
	p     paths
	o     *options
	g     *gateway.Gateway
	set   listener.Set
	log   gateway.ErrorLogger
	start *telemetry.ErrorLog // the -e (or default) log, used before a configuration names one

	pid    string     // pid file
	served chan error // Set.Serve's result
	ctrl   *control   // the control plane, with "helper ctrl"
	broker *broker.Broker
}

// serve starts the gateway and runs until a stop signal.
func serve(p paths, o *options, res *conf.Result) int {
	pr, err := start(p, o, res)
	if err != nil {
		return 1
	}
	defer os.Remove(pr.pid)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	for {
		select {
		case err := <-pr.served:
			if err != nil && err != listener.ErrClosed {
				pr.log.Log(gateway.LevelAlert, 0, err.Error())
				return 1
			}
			return 0
		case s := <-sigs:
			switch s {
			case syscall.SIGHUP:
				pr.reload()
			case syscall.SIGUSR1:
				pr.log.Log(gateway.LevelNotice, 0, "reopening logs")
				if err := telemetry.Reopen(); err != nil {
					pr.log.Log(gateway.LevelAlert, 0, err.Error())
				}
			case syscall.SIGQUIT:
				pr.stop(true)
				return 0
			default:
				pr.stop(false)
				return 0
			}
		}
	}
}

// start opens the logs and sockets of a built configuration, writes the
// pid file and starts serving. Errors have been reported when it returns
// one.
func start(p paths, o *options, res *conf.Result) (*process, error) {
	pr := &process{p: p, o: o, served: make(chan error, 1)}
	if err := pr.openStartLog(); err != nil {
		emerg(p, err)
		return nil, err
	}
	cfg := pr.withLog(res.Config)
	pr.log = cfg.ErrorLog
	if err := cfg.Prepare(); err != nil {
		pr.emerg(err)
		return nil, err
	}
	pr.set.ErrorLog = pr.log
	if err := pr.set.ApplyConfig(cfg); err != nil {
		pr.emerg(err)
		return nil, err
	}
	g, err := gateway.New(cfg)
	if err != nil {
		pr.emerg(err)
		pr.set.Close()
		return nil, err
	}
	pr.g = g
	if h, ok := helper(res, "broker"); ok {
		// started before the control plane, which may use it, and kept
		// across reloads as OpenNJet's broker copilot
		b, err := broker.Open(broker.Options{Prefix: p.prefix, Conf: h.Conf})
		if err != nil {
			err = fmt.Errorf("helper broker: %w", err)
			pr.emerg(err)
			pr.set.Close()
			return nil, err
		}
		pr.broker = b
	}
	if h, ok := helper(res, "ctrl"); ok {
		if err := pr.startControl(res, h); err != nil {
			pr.emerg(err)
			pr.set.Close()
			return nil, err
		}
	}
	pr.pid = pidFile(p, res)
	if err := os.WriteFile(pr.pid, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		err = fmt.Errorf("open() \"%s\" failed (%v)", pr.pid, errnoText(err))
		pr.emerg(err)
		pr.set.Close()
		return nil, err
	}
	go func() { pr.served <- pr.set.Serve(listener.NewHTTP1(g)) }()
	pr.log.Log(gateway.LevelNotice, 0, "GoNJet "+njetVersion+" started, pid "+strconv.Itoa(os.Getpid()))
	return pr, nil
}

// stop ends serving: gracefully (requests in flight finish) or at once.
func (pr *process) stop(graceful bool) {
	if graceful {
		pr.log.Log(gateway.LevelNotice, 0, "gracefully shutting down")
		pr.set.Shutdown(context.Background())
	} else {
		pr.log.Log(gateway.LevelNotice, 0, "exiting")
		pr.set.Close()
	}
	if pr.ctrl != nil {
		pr.ctrl.stop(graceful)
	}
	if pr.broker != nil {
		pr.broker.Close()
	}
	pr.g.Close()
	// access-log lines of the last requests, queued for their writers
	telemetry.Sync()
	pr.log.Log(gateway.LevelNotice, 0, "exit")
}

// openStartLog opens the error log given with -e, or logs/error.log under
// the prefix: nginx writes there until the configuration names its own.
func (pr *process) openStartLog() error {
	name := pr.p.errorLog
	if name == "" {
		name = inPrefix(pr.p.prefix, "logs/error.log")
	}
	if name == "stderr" {
		pr.log = &gateway.WriterLogger{Out: os.Stderr, Level: gateway.LevelNotice}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	l, err := telemetry.OpenErrorLog(name, gateway.LevelError)
	if err != nil {
		return err
	}
	pr.start, pr.log = l, l
	return nil
}

// withLog gives a configuration without an error_log of its own the
// start-up log.
func (pr *process) withLog(cfg *gateway.Config) *gateway.Config {
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = pr.log
		if pr.start != nil {
			cfg.ErrorLog = pr.start
		}
	}
	return cfg
}

func (pr *process) emerg(err error) {
	fmt.Fprintf(os.Stderr, "njet: [emerg] %v\n", err)
	pr.log.Log(gateway.LevelEmerg, 0, err.Error())
}

// reload builds a new snapshot from the configuration file and swaps it
// in. A configuration that does not build, or whose sockets cannot be
// opened, is logged and dropped: the running one stays. It reports
// whether the new configuration was taken.
func (pr *process) reload() bool {
	pr.log.Log(gateway.LevelNotice, 0, "signal 1 (SIGHUP) received from "+strconv.Itoa(os.Getppid())+", reconfiguring")
	res, err := load(pr.p, pr.o, pr.g.Config())
	if err == nil {
		err = res.Config.Prepare()
	}
	if err != nil {
		pr.log.Log(gateway.LevelEmerg, 0, err.Error())
		if res != nil {
			retire(res.Config)
		}
		return false
	}
	if pr.ctrl != nil {
		// the runtime rebuilds the data plane from the new file and the
		// dynamic state, then the control plane is re-read
		retire(res.Config)
		if err := pr.ctrl.rt.SetBase(context.Background(), res.Nodes, pr.buildOptions()); err != nil {
			pr.log.Log(gateway.LevelEmerg, 0, err.Error())
			return false
		}
		if err := pr.ctrl.reload(pr); err != nil {
			pr.log.Log(gateway.LevelEmerg, 0, err.Error())
			return false
		}
		return true
	}
	cfg := pr.withLog(res.Config)
	if err := pr.set.ApplyConfig(cfg); err != nil {
		pr.log.Log(gateway.LevelEmerg, 0, err.Error())
		retire(cfg)
		return false
	}
	if err := pr.g.Load(cfg); err != nil {
		pr.log.Log(gateway.LevelEmerg, 0, err.Error())
		pr.set.ApplyConfig(pr.g.Config())
		retire(cfg)
		return false
	}
	pr.log = cfg.ErrorLog
	return true
}

// retire releases what a snapshot that never served opened.
func retire(cfg *gateway.Config) {
	for _, f := range cfg.Closers {
		f()
	}
}
