package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// env is what the command reads and writes beyond its arguments: the
// tests give it buffers and an environment of their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal says whether a stream is a terminal, where colors and a
	// progress display may be drawn.
	terminal func(io.Writer) bool
}

func systemEnv() env {
	return env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, terminal: isTerminal}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colors says whether to color what goes to w: on a terminal, unless
// NO_COLOR is set (https://no-color.org) or the terminal is dumb.
func (e env) colors(w io.Writer) bool {
	return e.terminal(w) && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
}
