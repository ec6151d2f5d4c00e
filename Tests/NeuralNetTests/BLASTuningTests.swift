import NeuralNet
import XCTest

final class BLASTuningTests: XCTestCase {
    func testRecommendsTheBestFamilyTheCPUSupports() {
        XCTAssertEqual(BLASTuning.recommendedCoreType(current: "Prescott", capability: .avx512), "SkylakeX")
        XCTAssertEqual(BLASTuning.recommendedCoreType(current: "Prescott", capability: .avx2), "Haswell")
        XCTAssertEqual(BLASTuning.recommendedCoreType(current: "Nehalem", capability: .avx), "Sandybridge")
        XCTAssertEqual(BLASTuning.recommendedCoreType(current: "Sandybridge", capability: .avx2), "Haswell")
        XCTAssertEqual(BLASTuning.recommendedCoreType(current: "Barcelona", capability: .avx2), "Haswell")
        XCTAssertNil(BLASTuning.recommendedCoreType(current: "Prescott", capability: .legacy))
        XCTAssertNil(BLASTuning.recommendedCoreType(current: "Haswell", capability: .avx512), "already vectorised")
        XCTAssertNil(BLASTuning.recommendedCoreType(current: "Zen", capability: .avx2))
        XCTAssertNil(BLASTuning.recommendedCoreType(current: "SkylakeX", capability: .avx512))
    }

    func testNeverSkylakeXWithoutAVX512() {
        for name in ["Prescott", "Core2", "Penryn", "Nehalem", "Atom", "Katmai", "Dunnington", "Barcelona", "Opteron", "Bobcat", "Sandybridge", "Haswell", "Zen"] {
            for cap in [BLASTuning.Capability.legacy, .avx, .avx2] {
                XCTAssertNotEqual(BLASTuning.recommendedCoreType(current: name, capability: cap), "SkylakeX", "\(name) \(cap)")
            }
        }
        if BLASTuning.Capability.current < .avx512 {
            XCTAssertNotEqual(BLASTuning.recommendedCoreType(current: BLAS.coreName), "SkylakeX")
        }
    }

    func testMeasureGEMMGivesAPositiveRate() {
        let rate = BLASTuning.measureGEMM(m: 64, n: 64, k: 64, repeats: 1)
        XCTAssertGreaterThan(rate, 0)
        XCTAssertTrue(rate.isFinite)
    }
}
