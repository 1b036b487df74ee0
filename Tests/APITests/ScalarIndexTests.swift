import Glibc
import JSON
import Testing

@Suite("Scalar indexes answer filters like a scan")
struct ScalarIndexTests {
    /// The same rows in a collection with INVERTED / STL_SORT / BITMAP / Trie indexes (an Array field's and a
    /// JSON path's too) and in one without:
    /// every filter must select the same rows, on rows the indexes cover, on rows appended after their build,
    /// after deletes and after a restart.
    @Test func indexedFiltersMatchScans() throws {
        let s = try ServerProcess(arguments: ["--segment-rows", "1000", "--index-threads", "2"])
        let fields = #"[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},{"fieldName":"n","dataType":"Int64"},{"fieldName":"tag","dataType":"VarChar","elementTypeParams":{"max_length":20}},{"fieldName":"score","dataType":"Double","nullable":true},{"fieldName":"flag","dataType":"Bool"},{"fieldName":"f","dataType":"Float"},{"fieldName":"arr","dataType":"Array","elementDataType":"Int64","elementTypeParams":{"max_capacity":4}},{"fieldName":"meta","dataType":"JSON"},{"fieldName":"doc","dataType":"JSON"}]"#
        let scalar = #",{"fieldName":"n","indexType":"STL_SORT"},{"fieldName":"tag","indexType":"Trie"},{"fieldName":"score","indexType":"INVERTED"},{"fieldName":"flag","indexType":"BITMAP"},{"fieldName":"f","indexType":"INVERTED"},{"fieldName":"arr","indexType":"INVERTED"},{"fieldName":"meta","indexType":"INVERTED","params":{"json_path":"meta[\"p\"]","json_cast_type":"double"}},{"fieldName":"doc","indexType":"INVERTED","params":{"json_path":"doc[\"s\"]","json_cast_type":"VARCHAR"}}"#
        for (name, extra) in [("indexed", scalar), ("plain", "")] {
            #expect(try s.call("collections/create", #"{"collectionName":"\#(name)","schema":{"fields":\#(fields)},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"}\#(extra)]}"#).code == 0)
        }
        // A JSON path index must name a path into its own field.
        let bad = try s.call("indexes/create", #"{"collectionName":"plain","indexParams":[{"fieldName":"meta","indexName":"m","indexType":"INVERTED","params":{"json_path":"other[\"p\"]","json_cast_type":"DOUBLE"}}]}"#)
        #expect(bad.code == 1100 && bad.message.contains("json_path"), "\(bad)")
        var g = FilterConformanceTests.Random(state: 9)
        let words = ["ab", "abc", "abd", "b", "ba", "é", "e\u{301}", "zz", "", "m"]
        // The indexed path holds a number, another type, null, or nothing.
        func meta() -> String {
            switch g.next() % 8 {
            case 0: "{}"
            case 1: #"{"p":"x"}"#
            case 2: #"{"p":null}"#
            default: #"{"p":\#(Double(g.next() % 100) / 100)}"#
            }
        }
        // A VARCHAR path: a string, a number, null, or nothing.
        func doc() -> String {
            switch g.next() % 8 {
            case 0: "{}"
            case 1: #"{"s":5}"#
            case 2: #"{"s":null}"#
            default: #"{"s":"\#(words[Int(g.next() % 10)])"}"#
            }
        }
        func insert(_ ids: Range<Int>) throws {
            let rows = ids.map { i in
                let score = g.next() % 5 == 0 ? "null" : "\(Double(g.next() % 1000) / 1000)"
                return #"{"id":\#(i),"v":[0,0],"n":\#(Int(g.next() % 100) - 20),"tag":"\#(words[Int(g.next() % 10)])\#(g.next() % 3 == 0 ? "x" : "")","score":\#(score),"flag":\#(g.next() % 2 == 0),"f":\#(Float(g.next() % 8) / 4),"arr":[\#((0..<g.next() % 4).map { _ in String(g.next() % 10) }.joined(separator: ","))],"meta":\#(meta()),"doc":\#(doc())}"#
            }.joined(separator: ",")
            for name in ["indexed", "plain"] { #expect(try s.call("entities/insert", #"{"collectionName":"\#(name)","data":[\#(rows)]}"#).code == 0) }
        }
        try insert(0..<3000)
        for field in ["n", "tag", "score", "flag", "f", "arr", "meta", "doc"] { _ = try IndexEngineTests.waitIndexed(s, collection: "indexed", index: field) }
        let filters = ["n == 5", "n != 5", "n < 10", "n <= 10", "n > 70", "n >= 70", "5 < n", "-3 >= n", "n in [1, 2, 3, 99]", "n not in [1, 2]",
                       "n < 2.5", "n > 1000", #"tag == \"abc\""#, #"tag != \"abc\""#, #"tag like \"ab%\""#, #"tag not like \"ab%\""#, #"tag like \"é%\""#,
                       #"tag > \"b\""#, #"tag in [\"b\", \"zz\"]"#, #"tag == \"\""#, "score <= 0.5", "score > 0.25 and score < 0.75", "score == 0.5",
                       "not (score < 0.5)", "score is null", "flag == true", "flag != false", "f == 0.5", "f >= 1",
                       #"(n < 50 or tag like \"b%\") and not flag"#, "n < 50 and score > 0.5",
                       "array_contains(arr, 3)", "array_contains_any(arr, [1, 9])", "array_contains_all(arr, [2, 5])", "not array_contains(arr, 0) and n > 0",
                       #"meta[\"p\"] > 0.5"#, #"not (meta[\"p\"] < 0.3)"#, #"meta[\"p\"] == 0.25 or n == 3"#,
                       #"meta[\"p\"] in [0.25, 0.5, 1]"#, #"meta[\"p\"] not in [0.25, 0.5]"#, #"not (meta[\"p\"] in [0.3]) and n > 0"#,
                       #"doc[\"s\"] like \"ab%\""#, #"doc[\"s\"] not like \"ab%\""#, #"not (doc[\"s\"] like \"b%\")"#,
                       #"doc[\"s\"] in [\"b\", \"zz\"]"#, #"doc[\"s\"] not in [\"b\"]"#, #"doc[\"s\"] == \"abc\""#, #"doc[\"s\"] > \"b\""#]
        func check(_ when: String) throws {
            for filter in filters {
                var selected: [[Int64]] = []
                for name in ["indexed", "plain"] {
                    let r = try s.call("entities/query", #"{"collectionName":"\#(name)","filter":"\#(filter)","outputFields":["id"],"limit":16384}"#)
                    #expect(r.code == 0, "\(filter): \(r)")
                    selected.append((r["data"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }.sorted())
                }
                #expect(selected[0] == selected[1], "\(filter) \(when): \(selected[0].count) rows with indexes, \(selected[1].count) without")
            }
        }
        try check("on indexed rows")
        // Rows appended after the build (fewer than a segment) are evaluated one by one.
        try insert(3000..<3400)
        let d = try s.call("indexes/describe", #"{"collectionName":"indexed","indexName":"n"}"#)["data"]?[0]
        // The tail is not sealed yet: like Milvus's growing segments, it is not part of the index's progress.
        #expect(d?["indexedRows"] == 3000 && d?["totalRows"] == 3000 && d?["indexState"] == "Finished", "\(String(describing: d))")
        try check("with an uncovered tail")
        for name in ["indexed", "plain"] { #expect(try s.call("entities/delete", #"{"collectionName":"\#(name)","filter":"n % 7 == 0"}"#).code == 0) }
        try check("after deletes")
        // A flush seals the tail: the indexes are rebuilt over every row.
        #expect(try s.call("collections/flush", #"{"collectionName":"indexed"}"#).code == 0)
        let indexed = ["n", "tag", "score", "flag", "f", "arr", "meta", "doc"]
        for field in indexed { _ = try IndexEngineTests.waitIndexed(s, collection: "indexed", index: field) }
        // Each index is saved: its file, and the inode and change time that say whether it was written again.
        func files() throws -> [String: String] {
            var found: [String: String] = [:]
            for path in try runCommand(["/usr/bin/find", s.dataDir + "/indexes", "-name", "scalar.sorted"]).output.split(separator: "\n").map(String.init) {
                var st = stat()
                guard stat(path, &st) == 0 else { continue }
                found[String(path.split(separator: "/").dropLast().last ?? "")] = "\(path) \(st.st_ino) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
            }
            return found
        }
        let saved = try files()
        #expect(Set(saved.keys) == Set(indexed), "\(saved)")
        try s.restart()
        for field in indexed { _ = try IndexEngineTests.waitIndexed(s, collection: "indexed", index: field) }
        try check("after a restart")
        #expect(try files() == saved, "the saved indexes were read back, not built again")

        // Rows deleted while the collection is released are not loaded again, which moves every later row: the
        // saved indexes are matched with the rows by row id.
        for name in ["indexed", "plain"] {
            #expect(try s.call("collections/release", #"{"collectionName":"\#(name)"}"#).code == 0)
            let ids = (0..<3400).filter { $0 % 5 == 1 }.map(String.init).joined(separator: ",")
            #expect(try s.call("entities/delete", #"{"collectionName":"\#(name)","filter":"id in [\#(ids)]"}"#).code == 0)
            #expect(try s.call("collections/load", #"{"collectionName":"\#(name)"}"#).code == 0)
        }
        for field in indexed { _ = try IndexEngineTests.waitIndexed(s, collection: "indexed", index: field) }
        try check("after deletes while released")
        #expect(try files() == saved, "the saved indexes still serve, matched with the remaining rows")

        // A damaged file is detected, deleted and built again; the answers do not change.
        s.stop()
        let victim = String(saved["tag"]?.split(separator: " ").first ?? "")
        _ = try runCommand(["/bin/sh", "-c", "printf 'XXXX' | dd of='\(victim)' bs=1 seek=40 conv=notrunc 2>/dev/null"])
        try s.start()
        for field in indexed { _ = try IndexEngineTests.waitIndexed(s, collection: "indexed", index: field) }
        try check("after a damaged file")
        let rebuilt = try files()
        #expect(rebuilt["tag"] != nil && rebuilt["tag"] != saved["tag"], "the damaged file was replaced: \(rebuilt)")
        #expect(rebuilt.filter { $0.key != "tag" } == saved.filter { $0.key != "tag" }, "the others were read back")

        // Dropping an index removes its file.
        #expect(try s.call("collections/release", #"{"collectionName":"indexed"}"#).code == 0)
        #expect(try s.call("indexes/drop", #"{"collectionName":"indexed","indexName":"n"}"#).code == 0)
        #expect(try files()["n"] == nil)
    }
}
