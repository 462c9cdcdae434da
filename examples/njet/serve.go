package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

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
}

// serve starts the gateway and runs until a stop signal.
func serve(p paths, o *options, res *conf.Result) int {
	pr := &process{p: p, o: o}
	if err := pr.openStartLog(); err != nil {
		emerg(p, err)
		return 1
	}
	cfg := pr.withLog(res.Config)
	pr.log = cfg.ErrorLog
	if err := cfg.Prepare(); err != nil {
		pr.emerg(err)
		return 1
	}
	pr.set.ErrorLog = pr.log
	if err := pr.set.Apply(listener.Listens(cfg)); err != nil {
		pr.emerg(err)
		return 1
	}
	g, err := gateway.New(cfg)
	if err != nil {
		pr.emerg(err)
		return 1
	}
	pr.g = g
	pid := pidFile(p, res)
	if err := os.WriteFile(pid, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		pr.emerg(fmt.Errorf("open() \"%s\" failed (%v)", pid, errnoText(err)))
		pr.set.Close()
		return 1
	}
	defer os.Remove(pid)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	served := make(chan error, 1)
	go func() { served <- pr.set.Serve(listener.NewHTTP1(g)) }()
	pr.log.Log(gateway.LevelNotice, 0, "GoNJet "+njetVersion+" started, pid "+strconv.Itoa(os.Getpid()))

	for {
		select {
		case err := <-served:
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
				pr.log.Log(gateway.LevelNotice, 0, "gracefully shutting down")
				pr.set.Shutdown(context.Background())
				g.Close()
				pr.log.Log(gateway.LevelNotice, 0, "exit")
				return 0
			default:
				pr.log.Log(gateway.LevelNotice, 0, "exiting")
				pr.set.Close()
				g.Close()
				return 0
			}
		}
	}
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
// opened, is logged and dropped: the running one stays.
func (pr *process) reload() {
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
		return
	}
	cfg := pr.withLog(res.Config)
	if err := pr.set.Apply(listener.Listens(cfg)); err != nil {
		pr.log.Log(gateway.LevelEmerg, 0, err.Error())
		retire(cfg)
		return
	}
	if err := pr.g.Load(cfg); err != nil {
		pr.log.Log(gateway.LevelEmerg, 0, err.Error())
		pr.set.Apply(listener.Listens(pr.g.Config()))
		retire(cfg)
		return
	}
	pr.log = cfg.ErrorLog
	pr.set.ErrorLog = pr.log
}

// retire releases what a snapshot that never served opened.
func retire(cfg *gateway.Config) {
	for _, f := range cfg.Closers {
		f()
	}
}
