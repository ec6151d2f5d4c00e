import ShellCore
import XCTest

final class TokenizerTests: XCTestCase {
    func testStatementsSplitOnSemicolonsAndNewlines() throws {
        XCTAssertEqual(try Tokenizer.statements("load mnist; show 0-19\ninfo"), [["load", "mnist"], ["show", "0-19"], ["info"]])
    }

    func testCommentsRunToEndOfLine() throws {
        XCTAssertEqual(try Tokenizer.statements("# only a comment\nshow 1 # the second image; info\nhist"), [["show", "1"], ["hist"]])
    }

    func testQuotesGroupWordsAndKeepSpecialCharacters() throws {
        XCTAssertEqual(try Tokenizer.statements(#"load "my data/a;b#c.csv" --label 'last'"#), [["load", "my data/a;b#c.csv", "--label", "last"]])
        XCTAssertEqual(try Tokenizer.statements(#"load my\ file.csv"#), [["load", "my file.csv"]])
        XCTAssertEqual(try Tokenizer.statements(#"show """#), [["show", ""]])
    }

    func testUnterminatedQuoteIsAnError() {
        XCTAssertThrowsError(try Tokenizer.statements("load 'oops")) { error in
            XCTAssertTrue("\(error)".contains("unterminated"), "\(error)")
        }
    }

    func testOptionsFlagsAndValues() throws {
        let options: [OptionSpec] = [.flag("test", ""), .value("cols", "N", ""), .value("png", "FILE", "")]
        let parsed = try Tokenizer.parseArguments(["0-4", "--test", "--cols", "3", "--png=a.png", "9"], options: options, command: "show")
        XCTAssertEqual(parsed.positional, ["0-4", "9"])
        XCTAssertEqual(parsed.flags, ["test"])
        XCTAssertEqual(parsed.values, ["cols": "3", "png": "a.png"])
        XCTAssertEqual(try parsed.int("cols", default: 5, in: 1...10), 3)
    }

    func testUnknownOptionSuggestsNearest() {
        XCTAssertThrowsError(try Tokenizer.parseArguments(["--tset"], options: [.flag("test", "")], command: "show")) { error in
            let e = error as! ShellError
            XCTAssertEqual(e.message, "unknown option --tset for 'show'")
            XCTAssertEqual(e.hint, "did you mean --test?")
        }
    }

    func testOptionMissingValueAndBadNumber() throws {
        let options: [OptionSpec] = [.value("bins", "B", "")]
        XCTAssertThrowsError(try Tokenizer.parseArguments(["--bins"], options: options, command: "hist"))
        let parsed = try Tokenizer.parseArguments(["--bins", "many"], options: options, command: "hist")
        XCTAssertThrowsError(try parsed.int("bins", default: 16, in: 1...256)) { error in
            XCTAssertTrue("\(error)".contains("'many'"), "\(error)")
        }
    }

    /// `show 0 --png --ascii` used to write a file named --ascii, and a repeated option silently
    /// kept its last value.
    func testAnOptionIsNotAValueAndAValueOptionIsGivenOnce() throws {
        let options: [OptionSpec] = [.flag("ascii", ""), .value("png", "FILE", ""), .value("bins", "B", "")]
        XCTAssertThrowsError(try Tokenizer.parseArguments(["0", "--png", "--ascii"], options: options, command: "show")) { error in
            XCTAssertEqual("\(error)", "--png needs a value (FILE), got the option --ascii")
        }
        XCTAssertEqual(try Tokenizer.parseArguments(["--png=--ascii"], options: options, command: "show").values, ["png": "--ascii"])
        XCTAssertEqual(try Tokenizer.parseArguments(["--bins", "-3"], options: options, command: "hist").values, ["bins": "-3"])
        XCTAssertThrowsError(try Tokenizer.parseArguments(["--bins", "3", "--bins=4"], options: options, command: "hist")) { error in
            XCTAssertEqual("\(error)", "--bins is given twice ('3' and '4')")
        }
    }

    func testIndexLists() throws {
        XCTAssertEqual(try IndexList.parse(["0-3", "9", "5,7"], count: 10, setName: "train"), [0, 1, 2, 3, 9, 5, 7])
        XCTAssertThrowsError(try IndexList.parse(["10"], count: 10, setName: "test")) { error in
            XCTAssertEqual("\(error)", "index 10 is out of range: the test set has 10 images (0-9)")
        }
        XCTAssertThrowsError(try IndexList.parse(["5-2"], count: 10, setName: "train"))
        XCTAssertThrowsError(try IndexList.parse(["x"], count: 10, setName: "train"))
        XCTAssertThrowsError(try IndexList.parse(["-1"], count: 10, setName: "train"))
    }
}
