import Postgres
import TestSupport
import Testing

@Suite struct NotificationTests {
    @Test func aListenerReceivesWhatIsNotifiedOnItsChannel() throws {
        try TestDatabase.withFresh { database in
            let listener = try database.connect()
            let sender = try database.connect()
            try listener.listen("ledger updates")
            try sender.notify("other channel", payload: "not for us")
            try sender.notify("ledger updates", payload: "day 2024-03-01 ✓")
            let received = try listener.nextNotification(timeout: .seconds(10))
            #expect(received?.channel == "ledger updates")
            #expect(received?.payload == "day 2024-03-01 ✓")
            #expect(try listener.nextNotification(timeout: .milliseconds(200)) == nil)
            try listener.unlisten("ledger updates")
            try sender.notify("ledger updates", payload: "after unlisten")
            #expect(try listener.nextNotification(timeout: .milliseconds(500)) == nil)
        }
    }

    @Test func aNotificationInARolledBackTransactionIsNeverDelivered() throws {
        struct Abandon: Error {}
        try TestDatabase.withFresh { database in
            let listener = try database.connect()
            let sender = try database.connect()
            try listener.listen("prices")
            _ = try? sender.transaction {
                try sender.notify("prices", payload: "rolled back")
                throw Abandon()
            }
            try sender.transaction { try sender.notify("prices", payload: "committed") }
            #expect(try listener.nextNotification(timeout: .seconds(10))?.payload == "committed")
            #expect(try listener.nextNotification(timeout: .milliseconds(200)) == nil)
        }
    }
}
