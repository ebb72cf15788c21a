/// How couriers word their scans: JNE and TIKI in English capitals, the others in Indonesian.
/// Shared by the dialects that pass courier texts through (Binderbyte, RajaOngkir, Komerce).
enum ScanTexts {
    static func receiver(_ awb: String) -> String {
        let names = ["BUDI", "SITI", "AGUS", "DEWI", "RINA", "ANDI", "WAYAN", "PUTRI", "FAJAR", "INDAH"]
        return names[stableHash(awb + "#name") % names.count]
    }

    /// The text of one scan of `awb` for courier code `courier`, at local time `clock` (HH:mm).
    static func describe(_ step: TimelineStep, awb: String, timeline: Timeline, courier: String, date: String, clock: String) -> String {
        let place = step.location
        if courier == "jne" || courier == "tiki" {
            switch step.kind {
            case .infoReceived: return "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [\(place)]"
            case .pickedUp: return "PICKED UP BY COURIER [\(place)]"
            case .sortedAtOrigin: return "PROCESSED AT SORTING CENTER [\(place)]"
            case .forwarded: return "DEPARTED FROM TRANSIT [\(place)]"
            case .arrivedAtDestination: return "RECEIVED AT INBOUND STATION [\(place)]"
            case .exceptionHold: return "SHIPMENT ON HOLD - INCORRECT ADDRESS [\(place)]"
            case .outForDelivery: return "WITH DELIVERY COURIER [\(place)]"
            case .failedAttempt: return "DELIVERY ATTEMPT FAILED - CONSIGNEE NOT AT HOME [\(place)]"
            case .delivered: return "DELIVERED TO [\(receiver(awb)) | \(date) \(clock) | \(place)]"
            case .returning: return "RETURN TO SHIPPER PROCESS [\(place)]"
            case .returned: return "RETURNED TO SHIPPER [\(place)]"
            }
        }
        switch step.kind {
        case .infoReceived: return "Data kiriman telah diterima sistem, menunggu penjemputan [\(place)]"
        case .pickedUp: return "Paket telah dijemput oleh kurir [\(place)]"
        case .sortedAtOrigin: return "Paket telah sampai di gudang sortir [\(place)]"
        case .forwarded: return "Paket akan dikirimkan ke \(timeline.destination) [\(place)]"
        case .arrivedAtDestination: return "Paket telah sampai di \(place)"
        case .exceptionHold: return "Paket tertahan: alamat tidak lengkap [\(place)]"
        case .outForDelivery: return "Paket sedang diantar oleh kurir [\(place)]"
        case .failedAttempt: return "Pengantaran gagal: penerima tidak di tempat [\(place)]"
        case .delivered: return "Paket telah diterima oleh \(receiver(awb)) [\(place)]"
        case .returning: return "Paket dalam proses retur ke pengirim [\(place)]"
        case .returned: return "Paket retur telah diterima pengirim [\(place)]"
        }
    }

    /// English wording for the global APIs (17TRACK, AfterShip, EasyPost).
    static func english(_ step: TimelineStep, timeline: Timeline) -> String {
        switch step.kind {
        case .infoReceived: return "Shipment information received"
        case .pickedUp: return "Picked up by courier"
        case .sortedAtOrigin: return "Processed at sorting center"
        case .forwarded: return "Departed facility"
        case .arrivedAtDestination: return "Arrived at destination facility"
        case .exceptionHold: return "Shipment on hold: incorrect address"
        case .outForDelivery: return "Out for delivery"
        case .failedAttempt: return "Delivery attempted: recipient not available"
        case .delivered: return "Delivered"
        case .returning: return "Returning to sender"
        case .returned: return "Returned to sender"
        }
    }
}
