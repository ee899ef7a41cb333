import Foundation
import Ranking

/// One folder of `shared/reference/sw`: battles, their embeddings, query embeddings, and what
/// RouteLLM's formulation computed on them (see that folder's README).
struct ReferenceSet {
    struct ExpectedQuery {
        let tierRatings: [Double]
        let strongWinRate: Double
    }

    let memory: BattleMemory
    let queries: FloatMatrix
    let tierCount: Int
    let globalRatings: [String: Double]
    let tiers: [String: Int]
    let strongModel: String
    let weakModel: String
    let expected: [SameTierRule: [ExpectedQuery]]

    init(memory: BattleMemory, queries: FloatMatrix, tierCount: Int, globalRatings: [String: Double],
         tiers: [String: Int], strongModel: String, weakModel: String, expected: [SameTierRule: [ExpectedQuery]]) {
        self.memory = memory
        self.queries = queries
        self.tierCount = tierCount
        self.globalRatings = globalRatings
        self.tiers = tiers
        self.strongModel = strongModel
        self.weakModel = weakModel
        self.expected = expected
    }

    init(directory: URL) throws {
        let expectedURL = directory.appendingPathComponent("expected.json")
        let json: [String: Any]
        do {
            let data = try Data(contentsOf: expectedURL)
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CommandFailure("\(expectedURL.path): not a JSON object")
            }
            json = object
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("cannot read \(expectedURL.path): \(error.localizedDescription)")
        }
        func field<T>(_ key: String, as type: T.Type) throws -> T {
            guard let value = json[key] as? T else {
                throw CommandFailure("\(expectedURL.path): missing or malformed '\(key)'")
            }
            return value
        }
        let dimension = try field("dim", as: Int.self)
        tierCount = try field("n_tiers", as: Int.self)
        globalRatings = try field("global_ratings", as: [String: Double].self)
        tiers = try field("tiers", as: [String: Int].self)
        strongModel = try field("strong_model", as: String.self)
        weakModel = try field("weak_model", as: String.self)
        let variants = try field("variants", as: [String: Any].self)
        var expected: [SameTierRule: [ExpectedQuery]] = [:]
        for rule in SameTierRule.allCases {
            guard let variant = variants[rule.rawValue] as? [String: Any],
                  let rows = variant["queries"] as? [[String: Any]] else {
                throw CommandFailure("\(expectedURL.path): missing variant '\(rule.rawValue)'")
            }
            expected[rule] = try rows.enumerated().map { index, row in
                guard let ratings = row["tier_ratings"] as? [Double], let rate = row["strong_win_rate"] as? Double else {
                    throw CommandFailure("\(expectedURL.path): variant '\(rule.rawValue)' query \(index) is malformed")
                }
                return ExpectedQuery(tierRatings: ratings, strongWinRate: rate)
            }
        }
        self.expected = expected

        let battleEmbeddings = try readFloat32Matrix(directory.appendingPathComponent("embeddings.f32"), columns: dimension)
        queries = try readFloat32Matrix(directory.appendingPathComponent("queries.f32"), columns: dimension)
        let battlesURL = directory.appendingPathComponent("battles.jsonl")
        let lines = try readLines(battlesURL)
        guard lines.count == battleEmbeddings.rows else {
            throw CommandFailure("\(battlesURL.path) has \(lines.count) battles but embeddings.f32 has \(battleEmbeddings.rows) rows")
        }
        var memory = BattleMemory(dimension: dimension, expectedBattles: lines.count)
        for (index, line) in lines.enumerated() {
            let place = "\(battlesURL.path):\(index + 1)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let a = object["model_a"] as? String, let b = object["model_b"] as? String,
                  let label = object["winner"] as? String else {
                throw CommandFailure("\(place): expected an object with model_a, model_b and winner")
            }
            guard let outcome = BattleOutcome(label: label) else {
                throw CommandFailure("\(place): unknown winner '\(label)'")
            }
            do {
                try memory.append(modelA: a, modelB: b, outcome: outcome, embedding: battleEmbeddings.row(index))
            } catch {
                throw CommandFailure("\(place): \(error)")
            }
        }
        self.memory = memory
    }
}

/// Reads a little-endian float32 row-major matrix with a known number of columns.
func readFloat32Matrix(_ url: URL, columns: Int) throws -> FloatMatrix {
    let data: Data
    do {
        data = try Data(contentsOf: url)
    } catch {
        throw CommandFailure("cannot read \(url.path): \(error.localizedDescription)")
    }
    let rowBytes = columns * MemoryLayout<Float>.size
    guard data.count % rowBytes == 0 else {
        throw CommandFailure("\(url.path): \(data.count) bytes is not a whole number of \(columns)-float rows")
    }
    let values = data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
    return FloatMatrix(rows: data.count / rowBytes, columns: columns, values: values)
}

/// The non-empty lines of a UTF-8 text file.
func readLines(_ url: URL) throws -> [Substring] {
    do {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true)
    } catch {
        throw CommandFailure("cannot read \(url.path): \(error.localizedDescription)")
    }
}
