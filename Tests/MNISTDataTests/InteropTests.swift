import MNISTData
import XCTest

/// Files written by numpy (`savez_compressed`) and scipy (`savemat(..., do_compression=True)`),
/// holding the same 12 images as `Fixtures.set(count: 12)`: proof we read the real tools' output.
final class InteropTests: XCTestCase {
    private func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"))
    }

    func testNumpyNPZ() throws {
        let dataset = try DatasetLoader.load(path: try fixture("numpy.npz"))
        let expected = Fixtures.set(count: 12)
        XCTAssertEqual(dataset.train, expected.subset(Array(0..<8)))
        XCTAssertEqual(dataset.test, expected.subset(Array(8..<12)))
    }

    func testScipyMAT() throws {
        let dataset = try DatasetLoader.load(path: try fixture("scipy.mat"), options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train, Fixtures.set(count: 12))
    }
}
