import Glibc
import JSON
import Testing

/// Every search result is compared with a brute-force answer computed here, in Double, from the test's own
/// copy of the data.
@Suite("Exact search against brute force")
struct SearchTests {
    struct Row {
        var id: Int64
        var fv: [Float]        // FloatVector, dim 19
        var hv: [Float]        // Float16Vector, dim 8 (values already rounded to float16)
        var bv: [Float]        // BFloat16Vector, dim 8 (values already rounded to bfloat16)
        var iv: [Float]        // Int8Vector, dim 12
        var bin: [UInt8]       // BinaryVector, dim 64
        var cat: Int64
        var n: Int64
    }

    static func bfloat16(_ x: Float) -> Float {
        let bits = x.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return Float(bitPattern: rounded & 0xFFFF_0000)
    }

    static func distance(_ a: [Float], _ b: [Float], _ metric: String) -> Double {
        let x = a.map(Double.init), y = b.map(Double.init)
        switch metric {
        case "L2": return zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        case "IP": return zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        default:
            let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
            let na = x.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return na * nb == 0 ? 0 : dot / (na * nb)
        }
    }

    static func bits(_ a: [UInt8], _ b: [UInt8], _ metric: String) -> Double {
        var differ = 0, both = 0, either = 0
        for (x, y) in zip(a, b) {
            differ += (x ^ y).nonzeroBitCount
            both += (x & y).nonzeroBitCount
            either += (x | y).nonzeroBitCount
        }
        return metric == "HAMMING" ? Double(differ) : (either == 0 ? 0 : 1 - Double(both) / Double(either))
    }

    static func better(_ metric: String) -> (Double, Double) -> Bool {
        metric == "IP" || metric == "COSINE" ? { $0 > $1 } : { $0 < $1 }
    }

    static func schema(_ name: String, float: String, binary: String) -> String {
        #"{"collectionName":"\#(name)","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"fv","dataType":"FloatVector","elementTypeParams":{"dim":19}},{"fieldName":"hv","dataType":"Float16Vector","elementTypeParams":{"dim":8}},{"fieldName":"bv","dataType":"BFloat16Vector","elementTypeParams":{"dim":8}},{"fieldName":"iv","dataType":"Int8Vector","elementTypeParams":{"dim":12}},{"fieldName":"bin","dataType":"BinaryVector","elementTypeParams":{"dim":64}},{"fieldName":"cat","dataType":"Int64"},{"fieldName":"n","dataType":"Int64"}]},"indexParams":[{"fieldName":"fv","metricType":"\#(float)"},{"fieldName":"hv","metricType":"\#(float)"},{"fieldName":"bv","metricType":"\#(float)"},{"fieldName":"iv","metricType":"\#(float)"},{"fieldName":"bin","metricType":"\#(binary)"}]}"#
    }

    static func json(_ r: Row) -> String {
        func floats(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
        return #"{"id":\#(r.id),"fv":\#(floats(r.fv)),"hv":\#(floats(r.hv)),"bv":\#(floats(r.bv)),"iv":[\#(r.iv.map { String(Int($0)) }.joined(separator: ","))],"bin":[\#(r.bin.map(String.init).joined(separator: ","))],"cat":\#(r.cat),"n":\#(r.n)}"#
    }

    static func randomRow(_ id: Int64, _ g: inout FilterConformanceTests.Random) -> Row {
        func f(_ n: Int) -> [Float] { (0..<n).map { _ in Float(g.int(-1000...1000)) / 500 } }
        return Row(id: id, fv: f(19), hv: f(8).map { Float(Float16($0)) }, bv: f(8).map(bfloat16),
                   iv: (0..<12).map { _ in Float(g.int(-128...127)) }, bin: (0..<8).map { _ in UInt8(g.int(0...255)) },
                   cat: g.int(0...9), n: g.int(0...999))
    }

    /// Checks one search against brute force: same distances in the same order, and each returned id has
    /// the distance the server reported.
    static func check(_ response: JSONValue, rows: [Row], queries: [[Float]], binaryQueries: [[UInt8]]? = nil, field: String,
                      metric: String, limit: Int, offset: Int = 0, filter: (Row) -> Bool = { _ in true },
                      range: (Double, Double?)? = nil, groupSize: Int? = nil, label: String) {
        guard response["code"] == 0 else {
            Issue.record("\(label): \(response)")
            return
        }
        let hits = response["data"]?.arrayValue ?? []
        let listed: [Int64] = response["topks"]?.arrayValue?.compactMap { $0.intValue } ?? []
        let topks: [Int64] = listed.isEmpty && hits.isEmpty ? Array(repeating: 0, count: queries.count) : listed
        #expect(topks.count == queries.count, "\(label): topks \(topks)")
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        var start = 0
        for q in 0..<queries.count {
            func dist(_ r: Row) -> Double {
                switch field {
                case "fv": return distance(queries[q], r.fv, metric)
                case "hv": return distance(queries[q], r.hv, metric)
                case "bv": return distance(queries[q], r.bv, metric)
                case "iv": return distance(queries[q], r.iv, metric)
                default: return bits(binaryQueries![q], r.bin, metric)
                }
            }
            let ordered = better(metric)
            // `rows` is in insertion order, which is how the server breaks ties.
            var candidates = rows.enumerated().filter { filter($0.element) }.map { (id: $0.element.id, d: dist($0.element), cat: $0.element.cat, order: $0.offset) }
            if let (radius, rangeFilter) = range {
                let higherIsBetter = metric == "IP" || metric == "COSINE"
                candidates = candidates.filter { c in
                    higherIsBetter
                        ? c.d > radius && (rangeFilter.map { c.d <= $0 } ?? true)
                        : c.d < radius && (rangeFilter.map { c.d >= $0 } ?? true)
                }
            }
            candidates.sort { ordered($0.d, $1.d) || ($0.d == $1.d && $0.order < $1.order) }
            var expected: [(id: Int64, d: Double)]
            if let groupSize {
                var order: [Int64] = []
                var members: [Int64: [(id: Int64, d: Double)]] = [:]
                for c in candidates {
                    if members[c.cat] == nil {
                        if order.count >= offset + limit { continue }
                        order.append(c.cat)
                    }
                    if members[c.cat, default: []].count < groupSize { members[c.cat, default: []].append((c.id, c.d)) }
                }
                expected = order.dropFirst(offset).flatMap { members[$0]! }
            } else {
                expected = Array(candidates.dropFirst(offset).prefix(limit).map { (id: $0.id, d: $0.d) })
            }
            let count = q < topks.count ? Int(topks[q]) : 0
            #expect(count == expected.count, "\(label) q\(q): \(count) hits, expected \(expected.count)")
            let got = hits[start..<min(start + count, hits.count)]
            for (g, e) in zip(got, expected) {
                let id = g["id"]?.intValue ?? -1
                let d = g["distance"]?.doubleValue ?? .nan
                let tolerance = 1e-4 * max(1, abs(e.d))
                #expect(abs(d - e.d) <= tolerance, "\(label) q\(q): distance \(d), expected \(e.d)")
                if let row = byID[id] { #expect(abs(dist(row) - d) <= tolerance, "\(label) q\(q): id \(id) has distance \(dist(row)), reported \(d)") }
                else { Issue.record("\(label): unknown id \(id)") }
                if groupSize == nil, metric == "HAMMING" || metric == "JACCARD" { #expect(id == e.id, "\(label): ties keep insertion order") }
            }
            start += count
        }
    }

    @Test(arguments: [("L2", "HAMMING"), ("IP", "JACCARD"), ("COSINE", "HAMMING")])
    func everyMetricAndVectorType(float: String, binary: String) throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema("c", float: float, binary: binary)).code == 0)
        var g = FilterConformanceTests.Random(state: UInt64(float.utf8.count * 7 + binary.utf8.count))
        var rows = (0..<1500).map { Self.randomRow(Int64($0), &g) }
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let body = rows[chunk..<chunk + 500].map(Self.json).joined(separator: ",")
            #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(body)]}"#).code == 0)
        }
        func run(_ label: String) throws {
            let queries = (0..<3).map { _ in Self.randomRow(-1, &g) }
            for (field, dim) in [("fv", 19), ("hv", 8), ("bv", 8), ("iv", 12)] {
                let qs: [[Float]] = queries.map { q in
                    switch field {
                    case "fv": q.fv
                    case "hv": q.hv
                    case "bv": q.bv
                    default: q.iv
                    }
                }
                #expect(qs.allSatisfy { $0.count == dim })
                let data = "[" + qs.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
                for (filter, predicate): (String, (Row) -> Bool) in [("", { _ in true }), ("n < 1", { $0.n < 1 }), ("n < 100", { $0.n < 100 }), ("n < 900", { $0.n < 900 })] {
                    let r = try s.call("entities/search", #"{"collectionName":"c","annsField":"\#(field)","data":\#(data),"limit":7,"filter":"\#(filter)","outputFields":["n"]}"#)
                    Self.check(r, rows: rows, queries: qs, field: field, metric: float, limit: 7, filter: predicate, label: "\(label) \(field) \(float) [\(filter)]")
                }
                let paged = try s.call("entities/search", #"{"collectionName":"c","annsField":"\#(field)","data":\#(data),"limit":4,"offset":5}"#)
                Self.check(paged, rows: rows, queries: qs, field: field, metric: float, limit: 4, offset: 5, label: "\(label) \(field) offset")
                let grouped = try s.call("entities/search", #"{"collectionName":"c","annsField":"\#(field)","data":\#(data),"limit":3,"groupingField":"cat","groupSize":2}"#)
                Self.check(grouped, rows: rows, queries: qs, field: field, metric: float, limit: 3, groupSize: 2, label: "\(label) \(field) grouping")
            }
            // Range search on the float field.
            let q = [queries[0].fv]
            let data = "[[" + q[0].map { "\($0)" }.joined(separator: ",") + "]]"
            let (radius, rangeFilter): (Double, Double) = switch float {
            case "L2": (30, 10)
            case "IP": (2, 8)
            default: (0.2, 0.6)
            }
            let ranged = try s.call("entities/search", #"{"collectionName":"c","annsField":"fv","data":\#(data),"limit":50,"searchParams":{"params":{"radius":\#(radius),"range_filter":\#(rangeFilter)}}}"#)
            Self.check(ranged, rows: rows, queries: q, field: "fv", metric: float, limit: 50, range: (radius, rangeFilter), label: "\(label) range")
            // Binary field.
            let bq = queries.map(\.bin)
            let bdata = "[" + bq.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            let br = try s.call("entities/search", #"{"collectionName":"c","annsField":"bin","data":\#(bdata),"limit":9,"filter":"n < 900"}"#)
            Self.check(br, rows: rows, queries: queries.map(\.fv), binaryQueries: bq, field: "bin", metric: binary, limit: 9, filter: { $0.n < 900 }, label: "\(label) binary")
        }
        try run("fresh")
        // Deletes and upserts: a deleted row never comes back; an upserted row is searched with its new vectors.
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"n % 7 == 0"}"#).code == 0)
        rows.removeAll { $0.n % 7 == 0 }
        let updated = (0..<200).map { i in Self.randomRow(rows[i * 5].id, &g) }
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","data":[\#(updated.map(Self.json).joined(separator: ","))]}"#).code == 0)
        // Upserted rows are new rows: they move to the end of the insertion order.
        rows.removeAll { r in updated.contains { $0.id == r.id } }
        rows += updated
        try run("after deletes and upserts")
        try s.restart()
        try run("after restart")
    }

    /// Columns above the split threshold are scanned in parts on several cores; the merged answer must be
    /// the brute-force one, with and without a filter, after deletes.
    @Test func largeCollectionsSplitTheScanAndStayExact() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"big","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":8}},{"fieldName":"n","dataType":"Int64"}]},"indexParams":[{"fieldName":"v","metricType":"L2"}]}"#).code == 0)
        var g = FilterConformanceTests.Random(state: 1234)
        var rows: [(id: Int64, v: [Float], n: Int64)] = []
        for chunk in 0..<40 {
            var batch: [String] = []
            for j in 0..<1000 {
                let id = Int64(chunk * 1000 + j)
                let v = (0..<8).map { _ in Float(g.int(-1000...1000)) / 100 }
                rows.append((id, v, g.int(0...99)))
                batch.append(#"{"id":\#(id),"v":[\#(v.map { "\($0)" }.joined(separator: ","))],"n":\#(rows.last!.n)}"#)
            }
            #expect(try s.call("entities/insert", #"{"collectionName":"big","data":[\#(batch.joined(separator: ","))]}"#).code == 0)
        }
        func check(_ filter: String, _ keep: ((id: Int64, v: [Float], n: Int64)) -> Bool) throws {
            for _ in 0..<5 {
                let q = (0..<8).map { _ in Float(g.int(-1000...1000)) / 100 }
                let r = try s.call("entities/search", #"{"collectionName":"big","data":[[\#(q.map { "\($0)" }.joined(separator: ","))]],"limit":20,"filter":"\#(filter)"}"#)
                var all: [(id: Int64, d: Double)] = []
                for row in rows where keep(row) { all.append((id: row.id, d: Self.distance(q, row.v, "L2"))) }
                all.sort { $0.d < $1.d || ($0.d == $1.d && $0.id < $1.id) }
                let expected = all.prefix(20)
                let got = r["data"]?.arrayValue ?? []
                #expect(got.count == expected.count)
                for (hit, e) in zip(got, expected) {
                    #expect(abs((hit["distance"]?.doubleValue ?? -1) - e.d) <= 1e-3 * max(1, e.d), "\(filter)")
                }
            }
        }
        try check("", { _ in true })
        try check("n < 10", { $0.n < 10 })
        #expect(try s.call("entities/delete", #"{"collectionName":"big","filter":"n >= 50"}"#).code == 0)
        rows.removeAll { $0.n >= 50 }
        try check("", { _ in true })
    }

    @Test func hybridSearchFusesLikeTheDefinition() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema("c", float: "IP", binary: "HAMMING")).code == 0)
        var g = FilterConformanceTests.Random(state: 99)
        let rows = (0..<800).map { Self.randomRow(Int64($0), &g) }
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(rows.map(Self.json).joined(separator: ","))]}"#).code == 0)
        let q = Self.randomRow(-1, &g)
        let fq = "[[" + q.fv.map { "\($0)" }.joined(separator: ",") + "]]"
        let hq = "[[" + q.hv.map { "\($0)" }.joined(separator: ",") + "]]"
        // Each sub-search's ranked list, by brute force.
        func ranked(_ field: String, limit: Int, filter: (Row) -> Bool) -> [(id: Int64, d: Double)] {
            let query: [Float] = field == "fv" ? q.fv : q.hv
            var list: [(id: Int64, d: Double)] = []
            for r in rows where filter(r) {
                let vector: [Float] = field == "fv" ? r.fv : r.hv
                list.append((id: r.id, d: Self.distance(query, vector, "IP")))
            }
            list.sort { $0.d > $1.d || ($0.d == $1.d && $0.id < $1.id) }
            return Array(list.prefix(limit))
        }
        let a = ranked("fv", limit: 20, filter: { $0.n < 500 }), b = ranked("hv", limit: 15, filter: { _ in true })
        let subs = #"[{"data":\#(fq),"annsField":"fv","limit":20,"filter":"n < 500"},{"data":\#(hq),"annsField":"hv","limit":15}]"#
        typealias Score = (Int, Int, Double) -> Double
        let rrf60: Score = { _, rank, _ in 1 / (60 + Double(rank + 1)) }
        let rrf5: Score = { _, rank, _ in 1 / (5 + Double(rank + 1)) }
        let weighted: Score = { sub, _, d in (sub == 0 ? 0.7 : 0.3) * (0.5 + atan(d) / Double.pi) }
        let cases: [(String, Score)] = [
            (#"{"strategy":"rrf","params":{"k":60}}"#, rrf60),
            (#"{"strategy":"rrf","params":{"k":5}}"#, rrf5),
            (#"{"strategy":"weighted","params":{"weights":[0.7,0.3]}}"#, weighted),
        ]
        for (rerank, score) in cases {
            var fused: [Int64: Double] = [:]
            for (sub, list) in [a, b].enumerated() {
                for (rank, hit) in list.enumerated() { fused[hit.id, default: 0] += score(sub, rank, hit.d) }
            }
            let expected = fused.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(10)
            for route in ["hybrid_search", "advanced_search"] {
                let r = try s.call("entities/\(route)", #"{"collectionName":"c","search":\#(subs),"rerank":\#(rerank),"limit":10,"outputFields":["n"]}"#)
                #expect(r.code == 0, Comment(rawValue: r.message))
                let got = r["data"]?.arrayValue ?? []
                #expect(got.count == 10)
                #expect(r["topks"] == [10])
                for (hit, e) in zip(got, expected) {
                    #expect(abs((hit["distance"]?.doubleValue ?? 0) - e.value) < 1e-5, "\(rerank): \(hit) vs \(e)")
                }
                // Rows with equal fused scores may come in either order only if their scores tie.
                #expect(Set(got.compactMap { $0["id"]?.intValue }) == Set(expected.map(\.key)) || expected.count > 10)
            }
        }
        // Offset and grouping apply to the fused list.
        let paged = try s.call("entities/hybrid_search", #"{"collectionName":"c","search":\#(subs),"rerank":{"strategy":"rrf","params":{"k":60}},"limit":3,"offset":2}"#)
        let full = try s.call("entities/hybrid_search", #"{"collectionName":"c","search":\#(subs),"rerank":{"strategy":"rrf","params":{"k":60}},"limit":5}"#)
        #expect(paged["data"]?.arrayValue?.map { $0["id"] } == full["data"]?.arrayValue?.dropFirst(2).map { $0["id"] })
        let grouped = try s.call("entities/hybrid_search", #"{"collectionName":"c","search":\#(subs),"rerank":{"strategy":"rrf","params":{"k":60}},"limit":2,"groupingField":"cat","groupSize":3,"outputFields":["cat"]}"#)
        let cats = grouped["data"]?.arrayValue?.compactMap { $0["cat"]?.intValue } ?? []
        #expect(Set(cats).count == 2 && cats.count <= 6)
        // Weights must match the sub-searches.
        let bad = try s.call("entities/hybrid_search", #"{"collectionName":"c","search":\#(subs),"rerank":{"strategy":"weighted","params":{"weights":[1]}},"limit":3}"#)
        #expect(bad.code == 1100)
        #expect(bad.message.contains("the length of weights param mismatch with ann search requests"))
        #expect(try s.call("entities/hybrid_search", #"{"collectionName":"c","search":\#(subs),"rerank":{"strategy":"magic"},"limit":3}"#).code == 1100)
        #expect(try s.call("entities/hybrid_search", #"{"collectionName":"c","search":[{"data":\#(fq),"annsField":"fv"}],"limit":3}"#).code == 1100)
    }

    @Test func searchErrors() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema("c", float: "L2", binary: "HAMMING")).code == 0)
        var g = FilterConformanceTests.Random(state: 5)
        let rows = (0..<20).map { Self.randomRow(Int64($0), &g) }
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(rows.map(Self.json).joined(separator: ","))]}"#).code == 0)
        let v = "[" + Array(repeating: "0.1", count: 19).joined(separator: ",") + "]"
        func search(_ extra: String, data: String? = nil) throws -> JSONValue {
            try s.call("entities/search", #"{"collectionName":"c","annsField":"fv","data":\#(data ?? "[\(v)]")\#(extra)}"#)
        }
        let dim = try search("", data: "[[1,2,3]]")
        #expect(dim.code == 1801)
        #expect(dim.message.contains("dimension: 19, but length of []float: 3"))
        // A component that is not a number is named by its position; integer components are numbers.
        for (bad, kind) in [(#""x""#, "string"), ("null", "null"), ("[1]", "array")] {
            var components = Array(repeating: "0.1", count: 19)
            components[4] = bad
            let notNumber = try search("", data: "[[" + components.joined(separator: ",") + "]]")
            #expect(notNumber.code == 1801)
            #expect(notNumber.message.contains("data[0][4]: expected a number, got \(kind)"))
        }
        #expect(try search("", data: "[[" + Array(repeating: "1", count: 19).joined(separator: ",") + "]]").code == 0)
        let noField = try s.call("entities/search", #"{"collectionName":"c","data":[\#(v)]}"#)
        #expect(noField.code == 1801)
        #expect(noField.message.contains("multiple vector fields"))
        #expect(try s.call("entities/search", #"{"collectionName":"c","annsField":"nope","data":[\#(v)]}"#).message.contains("field not found[field=nope]"))
        #expect(try search("", data: "[[" + Array(repeating: "1e39", count: 19).joined(separator: ",") + "]]").code == 1100)
        #expect(try search(#","limit":0"#).code == 1100)
        #expect(try search(#","limit":16385"#).code == 1100)
        #expect(try search(#","limit":16000,"offset":1000"#).code == 1100)
        #expect(try search(#","groupingField":"cat","groupSize":11"#).code == 1100)
        #expect(try search(#","groupingField":"nope""#).code == 1700)
        #expect(try search(#","groupingField":"fv""#).code == 1100)
        #expect(try search(#","searchParams":{"radius":1,"params":{"radius":2}}"#).message.contains("ambiguous parameter: radius"))
        #expect(try search(#","searchParams":{"radius":1,"params":{"radius":1}}"#).code == 0)
        #expect(try search(#","searchParams":{"params":{"radius":1,"range_filter":2}}"#).code == 1100)
        #expect(try search(#","searchParams":{"params":{"radius":5}},"groupingField":"cat""#).code == 1100)
        #expect(try search(#","searchParams":{"metricType":"HAMMING"}"#).code == 1100)
        #expect(try search(#","searchParams":{"metricType":"IP"}"#).message.contains("metric type not match"))
        #expect(try search(#","searchParams":{"metricType":"L2"}"#).code == 0)
        #expect(try search(#","filter":"n >""#).code == 1100)
        #expect(try s.call("entities/search", #"{"collectionName":"c","annsField":"fv"}"#).code == 1802)
        #expect(try s.call("entities/search", #"{"collectionName":"c","annsField":"bin","data":["!!"]}"#).code == 1801)
        // Base64 queries for byte vectors work.
        #expect(try s.call("entities/search", #"{"collectionName":"c","annsField":"bin","data":["AAAAAAAAAAA="],"limit":2}"#)["topks"] == [2])
        // No hits at all: empty data and no topks, as Milvus answers.
        #expect(try search(#","filter":"n < 0""#) == ["code": 0, "data": [], "cost": 0])
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        let unloaded = try search("")
        #expect(unloaded.code == 101)
        #expect(unloaded.message.hasPrefix("failed to search: collection not loaded"))
        #expect(try s.call("entities/search", #"{"collectionName":"nope","data":[\#(v)]}"#).code == 100)
    }

    /// Found by schemathesis: an overflowing score was rendered as null, and a field named `distance` gave
    /// a hit two `distance` keys.
    @Test func scoresAreNumbersAndHitsHaveOneDistanceKey() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"big","dimension":2,"metricType":"L2"}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"big","data":[{"id":1,"vector":[3e38,3e38]},{"id":2,"vector":[-3e38,-3e38]}]}"#).code == 0)
        let far = try s.client().request("POST", "/v2/vectordb/entities/search",
                                         body: Array(#"{"collectionName":"big","data":[[3e38,3e38]],"limit":2}"#.utf8))
        #expect(!far.text.contains("null"))
        #expect(try far.json()["data"]?[1]?["distance"]?.doubleValue.map(Float.init) == Float.greatestFiniteMagnitude)

        #expect(try s.call("collections/create", #"{"collectionName":"d","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"distance","dataType":"Double"},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"}]}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"d","data":[{"id":1,"distance":42.5,"v":[1,0]}]}"#).code == 0)
        let hit = try s.client().request("POST", "/v2/vectordb/entities/search",
                                         body: Array(#"{"collectionName":"d","data":[[1,0]],"outputFields":["distance"]}"#.utf8))
        #expect(hit.text.split(separator: "\"distance\"", omittingEmptySubsequences: false).count == 2)
        #expect(try hit.json()["data"]?[0]?["distance"] == 0)
    }

    /// Hits and queried rows are written straight into the response, without a tree of JSON values: the
    /// exact text of every kind of field, with 64-bit integers as numbers and as strings, and a dynamic key
    /// named `distance` giving way to the score.
    @Test func hitsAndRowsAreWrittenExactly() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"k","schema":{"enableDynamicField":true,"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"s","dataType":"VarChar","elementTypeParams":{"max_length":64}},{"fieldName":"f","dataType":"Float"},{"fieldName":"d","dataType":"Double"},{"fieldName":"b","dataType":"Bool"},{"fieldName":"a","dataType":"Array","elementDataType":"Int64","elementTypeParams":{"max_capacity":4}},{"fieldName":"j","dataType":"JSON"},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},{"fieldName":"bv","dataType":"BinaryVector","elementTypeParams":{"dim":8}}]},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"},{"fieldName":"bv","indexType":"BIN_FLAT","metricType":"HAMMING"}]}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"k","data":[{"id":7,"s":"a\"b\n\u0001","f":0.5,"d":2.25,"b":true,"a":[1,2],"j":{"k":[1]},"v":[1.5,0],"bv":[7],"extra":"x"},{"id":8,"s":"","f":1e30,"d":-1,"b":false,"a":[],"j":[],"v":[0,1],"bv":[1],"distance":"dyn"}]}"#).code == 0)
        func text(_ route: String, _ body: String, int64: Bool = true) throws -> String {
            try s.client().request("POST", "/v2/vectordb/entities/" + route, body: Array(body.utf8),
                                   headers: [("Accept-Type-Allow-Int64", int64 ? "true" : "false")]).text
        }
        func row7(_ a: String) -> String { #""s":"a\"b\n\u0001","f":0.5,"d":2.25,"b":true,"a":"# + a + #","j":{"k":[1]},"v":[1.5,0],"bv":"Bw==","extra":"x""# }
        let row8 = #""s":"","f":1e+30,"d":-1,"b":false,"a":[],"j":[],"v":[0,1],"bv":"AQ==","distance":"#
        #expect(try text("search", #"{"collectionName":"k","annsField":"v","data":[[1,0]],"outputFields":["*"]}"#)
            == #"{"code":0,"data":[{"id":7,"# + row7("[1,2]") + #","distance":0.25},{"id":8,"# + row8 + #"2}],"cost":0,"topks":[2]}"#)
        #expect(try text("query", #"{"collectionName":"k","filter":"id > 0","outputFields":["*"]}"#, int64: false)
            == #"{"code":0,"data":[{"id":"7","# + row7(#"["1","2"]"#) + #"},{"id":"8","# + row8 + #""dyn"}],"cost":0}"#)
        #expect(try text("search", #"{"collectionName":"k","annsField":"v","data":[[1,0],[0,1]],"limit":1,"outputFields":["id","v"]}"#, int64: false)
            == #"{"code":0,"data":[{"id":"7","v":[1.5,0],"distance":0.25},{"id":"8","v":[0,1],"distance":0}],"cost":0,"topks":[1,1]}"#)
        #expect(try text("get", #"{"collectionName":"k","id":[8,7],"outputFields":["s","extra"]}"#)
            == #"{"code":0,"data":[{"id":8,"s":""},{"id":7,"s":"a\"b\n\u0001","extra":"x"}],"cost":0}"#)
        // A dynamic key asked for twice is written once (a dynamic `distance` then gives way to the score).
        #expect(try text("get", #"{"collectionName":"k","id":[7],"outputFields":["extra","extra"]}"#)
            == #"{"code":0,"data":[{"id":7,"extra":"x"}],"cost":0}"#)
        #expect(try text("search", #"{"collectionName":"k","annsField":"v","data":[[0,1]],"limit":1,"outputFields":["distance","distance"]}"#)
            == #"{"code":0,"data":[{"id":8,"distance":0}],"cost":0,"topks":[1]}"#)
        // Every schema field by name (no dynamic keys): the rows are written without the object form.
        #expect(try text("search", #"{"collectionName":"k","annsField":"v","data":[[1,0]],"limit":1,"outputFields":["s","f","d","b","a","j","v","bv"]}"#, int64: false)
            == #"{"code":0,"data":[{"id":"7","# + row7(#"["1","2"]"#).dropLast(12) + #","distance":0.25}],"cost":0,"topks":[1]}"#)
        // A field named `distance` takes the score in its place; an Int32 stays a number without Int64s.
        #expect(try s.call("collections/create", #"{"collectionName":"dk","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"distance","dataType":"Double"},{"fieldName":"n","dataType":"Int32"},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"}]}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"dk","data":[{"id":1,"distance":42.5,"n":-5,"v":[1,0]}]}"#).code == 0)
        #expect(try text("search", #"{"collectionName":"dk","data":[[1,1]],"outputFields":["distance","n"]}"#, int64: false)
            == #"{"code":0,"data":[{"id":"1","distance":1,"n":-5}],"cost":0,"topks":[1]}"#)
        #expect(try text("query", #"{"collectionName":"dk","filter":"id == 1","outputFields":["*"]}"#)
            == #"{"code":0,"data":[{"id":1,"distance":42.5,"n":-5,"v":[1,0]}],"cost":0}"#)
    }
}
