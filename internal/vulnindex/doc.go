// Command vulnindex builds the vulnerability database that govulncheck
// reads with -db file://DIR, from a folder of OSV files.
//
// govulncheck's own database server cannot be reached from the machines
// this project is built on, but the same entries are published as the Go
// module golang.org/x/vulndb (its data/osv folder, one GO-YYYY-NNNN.json
// per vulnerability). `./build.sh test` downloads that module at a pinned
// version and runs
//
//	go run ./internal/vulnindex -osv <module dir>/data/osv -out .cache/vulndb
//
// The layout written is the database's v1 layout:
//
//	index/db.json       {"modified": newest entry's modified time}
//	index/modules.json  [{path, vulns: [{id, modified, fixed}]}], one
//	                    vulns item per affected entry of a module, fixed
//	                    being the highest "fixed" event of its SEMVER ranges
//	index/vulns.json    [{id, modified, aliases}]
//	ID/<id>.json        the OSV entry itself
//
// Each file is also written gzipped (.json.gz), as the server does.
package main
