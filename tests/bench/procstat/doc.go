// Package procstat reads what the benchmarks report of a server process
// from Linux's /proc: its CPU time and its resident memory. Both read 0
// when the process or the field is gone.
package procstat
