import Foundation
import Postgres

/// What the learn stage tells routers when it commits new battles or a new ratings version: a
/// NOTIFY on `channel`, sent by the committing transaction itself, so a router that hears it
/// finds the rows it announces. The payload is only a hint (`{"last_battle_id":…,
/// "ratings_version":…}`): routers read what is new from the tables, and also look now and
/// then, since notifications sent while a router was disconnected are lost.
public struct LearningAnnouncement: Sendable, Equatable, Codable {
    public static let channel = "routeledger_learning"

    public let lastBattleID: Int64
    public let ratingsVersion: Int64?

    public init(lastBattleID: Int64, ratingsVersion: Int64?) {
        self.lastBattleID = lastBattleID
        self.ratingsVersion = ratingsVersion
    }

    enum CodingKeys: String, CodingKey {
        case lastBattleID = "last_battle_id"
        case ratingsVersion = "ratings_version"
    }

    /// Sends it when the current transaction commits.
    public func send(on connection: PostgresConnection) throws {
        let payload = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try connection.notify(Self.channel, payload: payload)
    }
}
