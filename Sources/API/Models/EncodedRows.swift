import Engine
import JSON

/// The rows of a search or a query as a reply's `data` array, each written by a `RowEncoder` as the
/// response is, so that no tree of `JSONValue`s is built for them.
struct EncodedRows: ReplyData {
    enum Rows {
        /// Rows of a query or a get.
        case entities([EntityRow])
        /// Search hits of every query vector, flattened in order, each with its `distance`.
        case hits([[SearchHit]])
    }

    let encoder: RowEncoder
    let rows: Rows

    func write(to out: inout [UInt8], writer: JSONWriter) {
        let plan = RowEncoder.WritePlan(encoder)
        out.append(UInt8(ascii: "["))
        var first = true
        func separate() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        switch rows {
        case .entities(let rows):
            for row in rows {
                separate()
                encoder.write(row, distance: nil, plan: plan, to: &out, writer: writer)
            }
        case .hits(let lists):
            for list in lists {
                for hit in list {
                    separate()
                    encoder.write(hit.row, distance: hit.distance, plan: plan, to: &out, writer: writer)
                }
            }
        }
        out.append(UInt8(ascii: "]"))
    }
}
