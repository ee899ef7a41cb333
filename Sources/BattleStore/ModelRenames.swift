import Ranking

/// `import --rename FROM=TO`: models stored under another name than their file gives them (a
/// hub's `org/Model` as the configuration's `model`). Every rename applies to the names as read,
/// all at once, so `a=b` with `b=a` swaps two models.
public struct ModelRenames: Sendable {
    public struct Rename: Sendable, Equatable {
        public let from: String
        public let to: String
    }

    public let renames: [Rename]

    /// Refuses two renames of one name, which could not both hold.
    public init(_ renames: [Rename]) throws(InputError) {
        var seen: Set<String> = []
        for rename in renames where !seen.insert(rename.from).inserted {
            throw InputError("'\(rename.from)' is renamed twice")
        }
        self.renames = renames
    }

    /// `FROM=TO`, split at the first `=`; nil unless both sides are non-empty.
    public static func rename(parsing text: String) -> Rename? {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else {
            return nil
        }
        return Rename(from: String(text[..<equals]), to: String(text[text.index(after: equals)...]))
    }

    /// Renames the models of `battles`; returns how many battles each rename touched, in order.
    /// Refuses renames that leave a battle between a model and itself.
    public func apply(to battles: inout [LabelledBattle]) throws(InputError) -> [Int] {
        let target = Dictionary(uniqueKeysWithValues: renames.map { ($0.from, $0.to) })
        let position = Dictionary(uniqueKeysWithValues: renames.enumerated().map { ($1.from, $0) })
        var touched = [Int](repeating: 0, count: renames.count)
        var renamed = battles
        for index in renamed.indices {
            let battle = battles[index]
            for rename in Set([battle.modelA, battle.modelB]).compactMap({ position[$0] }) { touched[rename] += 1 }
            renamed[index].modelA = target[battle.modelA] ?? battle.modelA
            renamed[index].modelB = target[battle.modelB] ?? battle.modelB
            if renamed[index].modelA == renamed[index].modelB {
                throw InputError("renaming would make a battle between '\(renamed[index].modelA)' and itself "
                                 + "('\(battle.modelA)' against '\(battle.modelB)', source \(battle.source))")
            }
        }
        battles = renamed
        return touched
    }
}
