package conf

import (
	"os/user"
	"strings"
	"time"
)

// The main-context and events{} directives: they configure the process
// (MainConf), not the data plane.
func init() {
	Register(&Module{Name: "main", Directives: []Directive{
		mainSlot("pid", Main, Take1, func(m *MainConf) *string { return &m.PidFile }, parseStr),
		mainSlot("lock_file", Main, Take1, func(m *MainConf) *string { return &m.LockFile }, parseStr),
		mainSlot("working_directory", Main, Take1, func(m *MainConf) *string { return &m.WorkingDirectory }, parseStr),
		mainSlot("cluster_name", Main, Take1, func(m *MainConf) *string { return &m.ClusterName }, parseStr),
		mainSlot("node_name", Main, Take1, func(m *MainConf) *string { return &m.NodeName }, parseStr),
		mainSlot("daemon", Main, Flag, func(m *MainConf) *bool { return &m.Daemon }, parseFlag),
		mainSlot("master_process", Main, Flag, func(m *MainConf) *bool { return &m.MasterProcess }, parseFlag),
		mainSlot("pcre_jit", Main, Flag, func(m *MainConf) *bool { return &m.PcreJit }, parseFlag),
		mainSlot("timer_resolution", Main, Take1, func(m *MainConf) *time.Duration { return &m.TimerResolution }, parseMsec),
		mainSlot("worker_shutdown_timeout", Main, Take1, func(m *MainConf) *time.Duration { return &m.WorkerShutdownTimeout }, parseMsec),
		mainSlot("worker_rlimit_nofile", Main, Take1, func(m *MainConf) *int { return &m.WorkerRlimitNofile }, parseNum),
		mainSlot("worker_rlimit_core", Main, Take1, func(m *MainConf) *int64 { return &m.WorkerRlimitCore }, parseOff),
		mainSlot("worker_processes", Main, Take1, func(m *MainConf) *string { return &m.WorkerProcesses }, func(_ *Block, n *Node) (string, error) {
			if n.Args[0] != "auto" {
				if _, err := ParseNumber(n.Args[0]); err != nil {
					return "", InvalidValue(n)
				}
			}
			return n.Args[0], nil
		}),
		{Name: "worker_priority", Context: Main, Args: Take1, Set: once(setWorkerPriority)},
		{Name: "worker_cpu_affinity", Context: Main, Args: OneOrMore, Set: once(setCPUAffinity)},
		{Name: "debug_points", Context: Main, Args: Take1, Set: once(func(bl *Block, n *Node) error {
			_, err := parseEnum("stop", "abort")(bl, n)
			return err
		})},
		{Name: "user", Context: Main, Args: Take12, Set: once(setUser)},
		{Name: "env", Context: Main, Args: Take1, Set: func(bl *Block, n *Node) error {
			bl.B.Main.Env = append(bl.B.Main.Env, n.Args[0])
			return nil
		}},
		{Name: "load_module", Context: Main, Args: Take1, Set: func(bl *Block, n *Node) error {
			bl.B.Main.Modules = append(bl.B.Main.Modules, n.Args[0])
			return nil
		}},
		{Name: "helper", Context: Main, Args: OneOrMore, MaybeBlock: true, Raw: true, Set: setHelper},
		{Name: "thread_pool", Context: Main, Args: Take23, Set: setThreadPool},
		{Name: "events", Context: Main, Args: NoArgs, Block: true, Set: func(bl *Block, n *Node) error {
			if err := bl.Once(n); err != nil {
				return err
			}
			bl.B.Main.HasEvents = true
			_, err := bl.Nest(n, Events, nil, nil)
			return err
		}},
		mainSlot("worker_connections", Events, Take1, func(m *MainConf) *int { return &m.WorkerConnections }, func(_ *Block, n *Node) (int, error) {
			v, err := ParseNumber(n.Args[0])
			if err != nil {
				return 0, Errorf(n, "invalid number \"%s\"", n.Args[0])
			}
			return v, nil
		}),
		mainSlot("use", Events, Take1, func(m *MainConf) *string { return &m.EventsUse }, func(_ *Block, n *Node) (string, error) {
			switch n.Args[0] {
			case "epoll", "poll", "select", "kqueue", "eventport", "devpoll", "iocp":
				return n.Args[0], nil
			}
			return "", Errorf(n, "invalid event type \"%s\"", n.Args[0])
		}),
		mainSlot("multi_accept", Events, Flag, func(m *MainConf) *bool { return &m.MultiAccept }, parseFlag),
		mainSlot("accept_mutex", Events, Flag, func(m *MainConf) *bool { return &m.AcceptMutex }, parseFlag),
		mainSlot("accept_mutex_delay", Events, Take1, func(m *MainConf) *time.Duration { return &m.AcceptMutexDelay }, parseMsec),
		{Name: "worker_aio_requests", Context: Events, Args: Take1, Set: once(func(bl *Block, n *Node) error {
			_, err := parseNum(bl, n)
			return err
		})},
		{Name: "debug_connection", Context: Events, Args: Take1, Set: func(bl *Block, n *Node) error {
			bl.B.Main.DebugConnections = append(bl.B.Main.DebugConnections, n.Args[0])
			return nil
		}},
	}})
}

// once wraps a setter of a directive allowed once per block.
func once(set func(*Block, *Node) error) func(*Block, *Node) error {
	return func(bl *Block, n *Node) error {
		if err := bl.Once(n); err != nil {
			return err
		}
		return set(bl, n)
	}
}

// mainSlot declares a directive setting one MainConf field, once per
// block.
func mainSlot[T any](name string, ctx Context, args Args, ptr func(*MainConf) *T, parse func(*Block, *Node) (T, error)) Directive {
	return Directive{Name: name, Context: ctx, Args: args, Set: once(func(bl *Block, n *Node) error {
		v, err := parse(bl, n)
		if err != nil {
			return err
		}
		*ptr(&bl.B.Main) = v
		return nil
	})}
}

// setUser is "user name [group]". As in nginx it is checked only when
// running as root, and ignored with a warning otherwise.
func setUser(bl *Block, n *Node) error {
	if euid() != 0 {
		bl.B.Warnf(n, "the \"user\" directive makes sense only if the master process runs with super-user privileges, ignored")
		return nil
	}
	name, group := n.Args[0], n.Args[0]
	if len(n.Args) == 2 {
		group = n.Args[1]
	}
	if _, err := user.Lookup(name); err != nil {
		return Errorf(n, "getpwnam(\"%s\") failed", name)
	}
	if _, err := user.LookupGroup(group); err != nil {
		return Errorf(n, "getgrnam(\"%s\") failed", group)
	}
	bl.B.Main.User, bl.B.Main.Group = name, group
	return nil
}

// setWorkerPriority is "worker_priority [-+]n".
func setWorkerPriority(bl *Block, n *Node) error {
	s := n.Args[0]
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s[:min(1, len(s))], "+-") + s[min(1, len(s)):]
	v, err := ParseNumber(s)
	if err != nil {
		return DirectiveError(n, "invalid number")
	}
	if neg {
		v = -v
	}
	bl.B.Main.WorkerPriority = v
	return nil
}

// setCPUAffinity is "worker_cpu_affinity [auto] mask ...".
func setCPUAffinity(bl *Block, n *Node) error {
	args := n.Args
	if args[0] == "auto" {
		if len(args) > 2 {
			return Errorf(n, "invalid number of arguments in \"worker_cpu_affinity\" directive")
		}
		args = args[1:]
	}
	for _, mask := range args {
		for _, c := range mask {
			if c != '0' && c != '1' && c != ' ' {
				return Errorf(n, "invalid character \"%c\" in \"worker_cpu_affinity\"", c)
			}
		}
	}
	bl.B.Main.WorkerCPUAffinity = n.Args
	return nil
}

// setHelper is OpenNJet's "helper name module_file conf_file;". The
// copilots are built in, so the module file is only recorded.
func setHelper(bl *Block, n *Node) error {
	h := HelperSpec{Name: n.Args[0], Block: n.Block, Node: n}
	if len(n.Args) > 1 {
		h.Module = n.Args[1]
	}
	if len(n.Args) > 2 {
		h.Conf = n.Args[2]
		h.Args = n.Args[3:]
	}
	for _, o := range bl.B.Main.Helpers {
		if o.Name == h.Name {
			return Errorf(n, "duplicate helper \"%s\"", h.Name)
		}
	}
	bl.B.Main.Helpers = append(bl.B.Main.Helpers, h)
	return nil
}

// setThreadPool is "thread_pool name threads=N [max_queue=N]".
func setThreadPool(bl *Block, n *Node) error {
	tp := ThreadPool{Name: n.Args[0], MaxQueue: 65536}
	for _, a := range n.Args[1:] {
		switch {
		case strings.HasPrefix(a, "threads="):
			v, err := ParseNumber(a[len("threads="):])
			if err != nil || v <= 0 {
				return Errorf(n, "invalid threads value \"%s\"", a)
			}
			tp.Threads = v
		case strings.HasPrefix(a, "max_queue="):
			v, err := ParseNumber(a[len("max_queue="):])
			if err != nil || v <= 0 {
				return Errorf(n, "invalid max_queue value \"%s\"", a)
			}
			tp.MaxQueue = v
		default:
			return Errorf(n, "invalid parameter \"%s\"", a)
		}
	}
	if tp.Threads == 0 {
		return Errorf(n, "\"%s\" must have \"threads\" parameter", n.Name)
	}
	for _, o := range bl.B.Main.ThreadPools {
		if o.Name == tp.Name {
			return Errorf(n, "duplicate thread pool \"%s\"", tp.Name)
		}
	}
	bl.B.Main.ThreadPools = append(bl.B.Main.ThreadPools, tp)
	return nil
}
