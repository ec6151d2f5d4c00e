import Foundation
import SessionStore
import XCTest

/// Theta text files against numpy's savetxt.
final class ThetaTests: XCTestCase {
    private let fixtureValues: [Double] = [0.5, -1.25, 3e-8, 1e20, -0.0, 0.1, Double(Float(0.1)), 7]

    func testTextMatchesNumpySavetxtByteForByte() throws {
        let expected = try String(contentsOfFile: try fixture("theta_default.txt"), encoding: .utf8)
        XCTAssertEqual(ThetaMatrix(rows: 2, cols: 4, values: fixtureValues).text, expected)
    }

    func testReadsNumpyTextInOtherFormats() throws {
        let exact = try ThetaMatrix(text: String(contentsOfFile: try fixture("theta_default.txt"), encoding: .utf8), file: "d")
        XCTAssertEqual(exact.values.map(\.bitPattern), fixtureValues.map(\.bitPattern))
        let g = try ThetaMatrix(text: String(contentsOfFile: try fixture("theta_g.txt"), encoding: .utf8), file: "g")
        XCTAssertEqual(g.rows, 2)
        XCTAssertEqual(g.values[3], 1e20)
        let f32 = try ThetaMatrix(text: String(contentsOfFile: try fixture("theta_f32.txt"), encoding: .utf8), file: "c")
        XCTAssertEqual(f32.values.map(Float.init), fixtureValues.map(Float.init))
        let special = try ThetaMatrix(text: "# comment\nnan inf\n-inf 1\n\n", file: "s")
        XCTAssertTrue(special.values[0].isNaN)
        XCTAssertEqual(Array(special.values[1...]), [.infinity, -.infinity, 1])
    }

    func testThetaLayoutIsBiasThenKernelTransposed() {
        // kernel (inputs 3, units 2) row-major, bias 2.
        let theta = ThetaFiles.theta(kernel: [1, 2, 3, 4, 5, 6], bias: [10, 20], inputs: 3, units: 2)
        XCTAssertEqual(theta, ThetaMatrix(rows: 2, cols: 4, values: [10, 1, 3, 5, 20, 2, 4, 6]))
        let (kernel, bias) = ThetaFiles.kernelAndBias(theta)
        XCTAssertEqual(kernel, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(bias, [10, 20])
    }

    func testFullSizeRoundTripIsBitExact() throws {
        let dir = try makeTempDirectory(self)
        var rng = SystemRandomNumberGenerator()
        let k1 = (0..<(784 * 100)).map { _ in Float.random(in: -0.15...0.15, using: &rng) }
        let b1 = (0..<100).map { _ in Float.random(in: -1...1, using: &rng) }
        let k2 = (0..<(100 * 10)).map { _ in Float.random(in: -3...3, using: &rng) }
        let b2 = (0..<10).map { _ in Float.random(in: -1...1, using: &rng) }
        try ThetaFiles.write([ThetaFiles.theta(kernel: k1, bias: b1, inputs: 784, units: 100),
                              ThetaFiles.theta(kernel: k2, bias: b2, inputs: 100, units: 10)], to: dir)
        let thetas = try ThetaFiles.read(from: dir, expectedShapes: [(100, 785), (10, 101)])
        let (rk1, rb1) = ThetaFiles.kernelAndBias(thetas[0])
        let (rk2, rb2) = ThetaFiles.kernelAndBias(thetas[1])
        XCTAssertEqual(rk1.map(\.bitPattern), k1.map(\.bitPattern))
        XCTAssertEqual(rb1.map(\.bitPattern), b1.map(\.bitPattern))
        XCTAssertEqual(rk2.map(\.bitPattern), k2.map(\.bitPattern))
        XCTAssertEqual(rb2.map(\.bitPattern), b2.map(\.bitPattern))
        let firstLine = try String(contentsOfFile: dir + "/Theta1.txt", encoding: .utf8).prefix { $0 != "\n" }
        XCTAssertEqual(firstLine.split(separator: " ").count, 785)
    }

    func testErrorsNameFileLineAndShape() throws {
        let dir = try makeTempDirectory(self)
        try "1 2 3\n4 x 6\n".write(toFile: dir + "/Theta1.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(sessionError { _ = try ThetaFiles.read(from: dir, expectedShapes: [(2, 3)]) }?.description,
                       "\(dir)/Theta1.txt: line 2, column 2: 'x' is not a number")
        try "1 2 3\n4 5\n".write(toFile: dir + "/Theta1.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(sessionError { _ = try ThetaFiles.read(from: dir, expectedShapes: [(2, 3)]) }?.problem,
                       "line 2: 2 values, the first row has 3")
        try "1 2 3\n4 5 6\n".write(toFile: dir + "/Theta1.txt", atomically: true, encoding: .utf8)
        let shape = sessionError { _ = try ThetaFiles.read(from: dir, expectedShapes: [(100, 785)]) }
        XCTAssertEqual(shape?.problem, "expected a 100x785 matrix, found 2x3")
        let missing = sessionError { _ = try ThetaFiles.read(from: dir, expectedShapes: [(2, 3), (10, 101)]) }
        XCTAssertEqual(missing?.file, dir + "/Theta2.txt")
    }
}
