/// A set of labelled grayscale images stored contiguously: `count * rows * cols` bytes, row-major
/// within each image, images one after another.
///
///     let set = ImageSet(rows: 2, cols: 2, pixels: [0, 255, 255, 0], labels: [7])
///     set.image(0)   // [0, 255, 255, 0]
public struct ImageSet: Sendable, Equatable {
    public let rows: Int, cols: Int
    public private(set) var pixels: [UInt8]
    /// Class labels, 0...9.
    public private(set) var labels: [UInt8]

    public var count: Int { labels.count }
    /// Bytes per image.
    public var imageSize: Int { rows * cols }

    public init(rows: Int, cols: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(rows > 0 && cols > 0, "ImageSet: image size \(rows)x\(cols) must be positive")
        precondition(pixels.count == labels.count * rows * cols,
                     "ImageSet: \(labels.count) images of \(rows)x\(cols) need \(labels.count * rows * cols) pixels, got \(pixels.count)")
        self.rows = rows
        self.cols = cols
        self.pixels = pixels
        self.labels = labels
    }

    /// The pixels of image `i`.
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        pixels[i * imageSize ..< (i + 1) * imageSize]
    }

    /// How many images carry each label 0...9.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: 10)
        for label in labels where label < 10 { counts[Int(label)] += 1 }
        return counts
    }

    /// The indices of the images labelled `label`, in order.
    public func indices(ofLabel label: UInt8) -> [Int] {
        labels.indices.filter { labels[$0] == label }
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageSet {
        var newPixels = [UInt8]()
        newPixels.reserveCapacity(indices.count * imageSize)
        for i in indices { newPixels.append(contentsOf: image(i)) }
        return ImageSet(rows: rows, cols: cols, pixels: newPixels, labels: indices.map { labels[$0] })
    }
}
