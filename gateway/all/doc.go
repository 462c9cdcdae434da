// Package all compiles every built-in GoNJet feature into a program:
// importing it for its side effects registers their njet.conf directives
// and variables, so gateway/conf understands a complete nginx-style
// configuration.
//
//	import _ "github.com/gonjet/gonjet/gateway/all"
//
// A program that wants only some features imports those packages instead.
package all
