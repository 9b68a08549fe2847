/// A terminal chart of one measurement over time: one column per time slice, bars in Unicode eighth
/// blocks, alert thresholds drawn as dotted lines with their rule named at the right edge.
/// Each column shows the slice's worst value against the thresholds (its lowest when a "below" limit
/// exists and was crossed, its highest for "above"), else its mean, so a short dip stays visible.
struct TrendChart {
    struct Threshold {
        let value: Double
        let label: String
        /// true for "below" limits (values under it alarm).
        let isLowerLimit: Bool
    }

    let points: [(time: Int64, value: Double)]
    let thresholds: [Threshold]
    let start: Int64
    let end: Int64
    /// Columns for the whole chart: the y axis and the threshold names take theirs, the plot the rest.
    let totalWidth: Int
    let plotHeight: Int
    let fractionDigits: Int

    /// Width of the y-axis labels (the widest of the range ends and thresholds) plus a space.
    var axisWidth: Int {
        let (low, high) = yRange()
        return ([low, high] + thresholds.map(\.value)).map { format($0).count }.max()! + 1
    }

    var plotWidth: Int {
        let labelWidth = thresholds.map { $0.label.count + 3 }.max() ?? 0
        return max(10, totalWidth - axisWidth - 2 - labelWidth)
    }

    static let blocks: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    func columnValues() -> [Double?] {
        let plotWidth = self.plotWidth
        var buckets = [[Double]](repeating: [], count: plotWidth)
        let span = max(1, end - start)
        for point in points where point.time >= start && point.time < end {
            let column = Int((point.time - start) * Int64(plotWidth) / span)
            buckets[min(plotWidth - 1, max(0, column))].append(point.value)
        }
        return buckets.map { bucket in
            guard let low = bucket.min(), let high = bucket.max() else { return nil }
            if thresholds.contains(where: { $0.isLowerLimit && low < $0.value }) { return low }
            if thresholds.contains(where: { !$0.isLowerLimit && high > $0.value }) { return high }
            return bucket.reduce(0, +) / Double(bucket.count)
        }
    }

    func yRange() -> (Double, Double) {
        let values = points.map(\.value) + thresholds.map(\.value)
        guard var low = values.min(), var high = values.max() else { return (0, 1) }
        if low == high { low -= 1; high += 1 }
        let pad = (high - low) * 0.08
        return (low - pad, high + pad)
    }

    func render(title: String, timeLabel: (Int64) -> String) -> [String] {
        let (low, high) = yRange()
        let columns = columnValues()
        let rowHeight = (high - low) / Double(plotHeight)
        func row(of value: Double) -> Int { min(plotHeight - 1, max(0, Int((value - low) / rowHeight))) }
        let thresholdRows = Dictionary(thresholds.map { (row(of: $0.value), $0) }, uniquingKeysWith: { first, _ in first })
        let axisWidth = self.axisWidth, plotWidth = self.plotWidth
        var lines = [title]
        for rowIndex in stride(from: plotHeight - 1, through: 0, by: -1) {
            let rowBottom = low + Double(rowIndex) * rowHeight
            var cells = ""
            for value in columns {
                guard let value else { cells.append(thresholdRows[rowIndex] != nil ? "┈" : " "); continue }
                let filled = (value - rowBottom) / rowHeight
                if filled >= 1 { cells.append("█") } else if filled <= 0 {
                    cells.append(thresholdRows[rowIndex] != nil ? "┈" : " ")
                } else {
                    cells.append(Self.blocks[max(1, min(8, Int((filled * 8).rounded())))])
                }
            }
            var label = ""
            if let threshold = thresholdRows[rowIndex] { label = format(threshold.value) }
            else if rowIndex == plotHeight - 1 { label = format(high) }
            else if rowIndex == 0 { label = format(low) }
            let margin = String(repeating: " ", count: max(0, axisWidth - label.count)) + label
            lines.append(margin + " ┤" + cells + (thresholdRows[rowIndex].map { " ◀ \($0.label)" } ?? ""))
        }
        lines.append(String(repeating: " ", count: axisWidth) + " └" + String(repeating: "─", count: plotWidth))
        let left = timeLabel(start), middle = timeLabel(start + (end - start) / 2), right = timeLabel(end)
        var axis = [Character](repeating: " ", count: axisWidth + 2 + plotWidth)
        func place(_ text: String, at position: Int) {
            let startIndex = max(0, min(axis.count - text.count, position))
            for (offset, character) in text.enumerated() { axis[startIndex + offset] = character }
        }
        place(left, at: axisWidth + 2)
        if plotWidth > 3 * (middle.count + 2) { place(middle, at: axisWidth + 2 + plotWidth / 2 - middle.count / 2) }
        place(right, at: axis.count - right.count)
        lines.append(String(axis))
        return lines
    }

    func format(_ value: Double) -> String {
        var scaled = value
        for _ in 0..<fractionDigits { scaled *= 10 }
        let rounded = Int64(scaled.rounded())
        guard fractionDigits > 0 else { return String(rounded) }
        let sign = rounded < 0 ? "-" : ""
        let digits = String(abs(rounded))
        let padded = String(repeating: "0", count: max(0, fractionDigits + 1 - digits.count)) + digits
        return sign + padded.dropLast(fractionDigits) + "." + padded.suffix(fractionDigits)
    }
}
