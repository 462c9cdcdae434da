package main

import (
	"fmt"
	"os"
	"strings"

	_ "github.com/gonjet/gonjet/gateway/all"
)

// Version strings. The nginx line is the core version GoNJet answers to
// (the test suites and tools that read "nginx -V" look for it); the njet
// line is the OpenNJet release whose behaviour GoNJet follows.
const (
	njetVersion  = "njet/3.3.0"
	nginxVersion = "nginx/1.31.5"
)

// defaultPrefix is OpenNJet's install prefix.
const defaultPrefix = "/etc/njet/"

// options is the parsed command line.
type options struct {
	help, version, configure bool
	test, dump, quiet        bool
	signal                   string
	prefix                   string
	errorLog                 string
	confFile                 string
	globals                  string
	dataDir                  string
}

// parseArgs reads nginx's command line: single-letter options that may be
// grouped ("-tq"), and options with a value either glued ("-c/x.conf")
// or in the next argument.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return nil, fmt.Errorf("invalid option: \"%s\"", a)
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case '?', 'h':
				o.help = true
			case 'v':
				o.version = true
			case 'V':
				o.version, o.configure = true, true
			case 't':
				o.test = true
			case 'T':
				o.test, o.dump = true, true
			case 'q':
				o.quiet = true
			case 's', 'p', 'e', 'c', 'g', 'd':
				flag := a[j]
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, missingValue(flag)
					}
					i++
					val = args[i]
				}
				if err := o.set(flag, val); err != nil {
					return nil, err
				}
				j = len(a)
			default:
				return nil, fmt.Errorf("invalid option: \"%s\"", a[j:])
			}
		}
	}
	return o, nil
}

func missingValue(flag byte) error {
	switch flag {
	case 's':
		return fmt.Errorf("option \"-s\" requires parameter")
	case 'p', 'd':
		return fmt.Errorf("option \"-%c\" requires directory name", flag)
	case 'e', 'c':
		return fmt.Errorf("option \"-%c\" requires file name", flag)
	default:
		return fmt.Errorf("option \"-g\" requires parameter")
	}
}

func (o *options) set(flag byte, val string) error {
	switch flag {
	case 's':
		switch val {
		case "stop", "quit", "reopen", "reload":
			o.signal = val
		default:
			return fmt.Errorf("invalid option: \"-s %s\"", val)
		}
	case 'p':
		o.prefix = dirName(val)
	case 'd':
		o.dataDir = dirName(val)
	case 'e':
		o.errorLog = val
	case 'c':
		o.confFile = val
	case 'g':
		o.globals = val
	}
	return nil
}

func dirName(s string) string {
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s
}

const usage = `Usage: njet [-?hvVtTq] [-s signal] [-p prefix]
             [-e filename] [-c filename] [-g directives] [-d data_dir]

Options:
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: /etc/njet/)
  -e filename   : set error log file (default: logs/error.log)
  -c filename   : set configuration file (default: njet.conf)
  -g directives : set global directives out of configuration file
  -d data_dir   : set data directory (default: PREFIX/data)

`

func main() {
	o, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "njet: %v\n", err)
		os.Exit(1)
	}
	if o.version || o.help {
		fmt.Fprintf(os.Stderr, "njet version: %s (GoNJet)\nnginx version: %s\n", njetVersion, nginxVersion)
	}
	if o.help {
		fmt.Fprint(os.Stderr, usage)
	}
	if o.configure {
		fmt.Fprintf(os.Stderr, "built with %s\nconfigure arguments: %s\n", goVersion(), configureArguments())
	}
	if o.version || o.help {
		return
	}
	os.Exit(run(o))
}
