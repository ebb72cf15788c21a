/// Configuration text for tests: a lacak config pointed at a courier-sim port and a test directory.
enum TestConfig {
    /// A Binderbyte-dialect courier named `binderbyte` serving jne and jnt, with the demo's rules.
    static func binderbyte(port: Int, root: String, courierID: String = "binderbyte", extraDaemon: String = "", extraCourier: String = "") -> String {
        """
        [daemon]
        spool_dir = "\(root)/spool"
        state_dir = "\(root)/state"
        time_zone = "Asia/Jakarta"
        \(extraDaemon)

        [[courier]]
        id = "\(courierID)"
        name = "Binderbyte test"
        adapter = "json"
        endpoint = "http://127.0.0.1:\(port)"
        codes = ["jne", "jnt", "sicepat"]
        max_in_flight = 8
        timeout = "5s"
        \(extraCourier)

        [courier.credentials]
        api_key = { env = "LACAK_TEST_API_KEY" }

        [courier.request]
        path = "/v1/track?api_key={api_key}&courier={courier_code}&awb={tracking_number}"

        [courier.response]
        shipments = "data"
        tracking_number = "summary.awb"
        service = "summary.service"
        events = "history[*]"
        event_time = "date"
        event_description = "desc"
        event_location = "location"
        time_format = "yyyy-MM-dd HH:mm:ss"
        error_message = "message"

        [courier.response.not_found]
        http_status = [400, 404]
        path = "message"
        match = "not found|tidak ditemukan"

        \(statusRules)
        """
    }

    static let statusRules = """
        [[courier.status_rule]]
        match = "returned to shipper|retur telah diterima"
        status = "returned"

        [[courier.status_rule]]
        match = "return to shipper|proses retur|retur ke pengirim"
        status = "returning"

        [[courier.status_rule]]
        match = "delivered to|telah diterima oleh"
        status = "delivered"

        [[courier.status_rule]]
        match = "attempt failed|not at home|pengantaran gagal|tidak di tempat"
        status = "failed_attempt"
        reason = "recipient_absent"

        [[courier.status_rule]]
        match = "with delivery courier|sedang diantar|out for delivery"
        status = "out_for_delivery"

        [[courier.status_rule]]
        match = "on hold|incorrect address|tertahan|alamat tidak lengkap"
        status = "exception"
        reason = "address_issue"

        [[courier.status_rule]]
        match = "picked up|dijemput"
        status = "in_transit"
        reason = "picked_up"

        [[courier.status_rule]]
        match = "counter officer|menunggu penjemputan|data kiriman"
        status = "info_received"

        [[courier.status_rule]]
        match = "sorting center|departed|transit|inbound station|gudang sortir|dikirimkan ke|telah sampai di"
        status = "in_transit"
        """

    static let environment = ["LACAK_TEST_API_KEY": "test-key"]
}
