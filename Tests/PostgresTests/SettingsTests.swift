import Postgres
import Testing

@Suite struct SettingsTests {
    @Test func urlAndKeywordFormsParseToTheSameParameters() throws {
        let url = try PostgresSettings("postgresql://ledger@db.example:6543/routeledger?sslmode=require")
        let keywords = try PostgresSettings("host=db.example port=6543 user=ledger dbname=routeledger sslmode=require")
        for keyword in ["host", "port", "user", "dbname", "sslmode"] {
            #expect(url.value(keyword) == keywords.value(keyword), "\(keyword)")
        }
        #expect(url.value("port") == "6543")
    }

    @Test func descriptionsNeverShowThePassword() throws {
        let url = try PostgresSettings("postgresql://ledger:s3cr3t-pw@db.example/routeledger")
        #expect(!url.description.contains("s3cr3t-pw"))
        #expect(url.description.contains("password=*****"))
        let keywords = try PostgresSettings("user=ledger password='s3cr3t pw' host=db.example")
        #expect(!keywords.description.contains("s3cr3t"))
    }

    @Test func errorsNeverShowThePassword() throws {
        // A malformed percent escape in the password: libpq quotes the offending text.
        #expect { try PostgresSettings("postgresql://ledger:s3cr3t%zz@db.example/routeledger") } throws: { error in
            !"\(error)".contains("s3cr3t")
        }
        let unreachable = try PostgresSettings("host=127.0.0.1 port=1 user=ledger password=s3cr3t-pw connect_timeout=2")
        #expect { try PostgresConnection(unreachable, reconnect: .never) } throws: { error in
            !"\(error)".contains("s3cr3t-pw") && "\(error)".contains("password=*****")
        }
    }
}
