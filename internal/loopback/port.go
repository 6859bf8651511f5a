// Package loopback picks loopback ports for the processes that tests and
// benchmarks start.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreePort is a loopback TCP port nobody listens on, for a process about
// to listen on it. It is taken below the kernel's ephemeral range
// (ip_local_port_range): a port from that range, freed for the process to
// take, could meanwhile become the source port of any outgoing connection
// on the machine (the tests and benchmarks make thousands), and serve then
// failed with "address already in use". Below the range only another
// listener can take it, and a random pick makes two picks unlikely to meet.
func FreePort() (int, error) {
	low := ephemeralLow()
	for range 100 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue // taken
		}
		l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free loopback port between 10000 and %d in 100 tries", low)
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// where it cannot be read, Linux's default).
func ephemeralLow() int {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 11000 {
		return 32768
	}
	return low
}
