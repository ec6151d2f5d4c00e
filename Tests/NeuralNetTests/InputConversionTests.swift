import CKernels
import XCTest

/// Pixels become network inputs through `kernels_bytes_to_floats` (x · scale + offset, rounded
/// after the multiply and after the add): every vector width must give the bits of that formula.
final class InputConversionTests: XCTestCase {
    override func tearDown() { kernels_limit_vector_bits(512) }

    func testEveryWidthGivesTheFormulasBits() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) }
        for (scale, offset) in [(Float(1) / 255, Float(0)), (0.99 / 255, 0.01), (1, 0), (-0.3, 7.5)] {
            let expected = bytes.map { Float($0) * scale + offset }
            for bits in [512, 256, 0] as [Int32] {
                kernels_limit_vector_bits(bits)
                for n in [0, 1, 7, 8, 9, 17, 784, 1000] {
                    var out = [Float](repeating: .nan, count: n + 1)
                    kernels_bytes_to_floats(n, bytes, &out, scale, offset)
                    XCTAssertEqual(Array(out[..<n]), Array(expected[..<n]), "\(bits) bits, \(n) values, scale \(scale)")
                    XCTAssertTrue(out[n].isNaN, "wrote past \(n) values")
                }
            }
        }
    }
}
