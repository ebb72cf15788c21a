import Foundation

/// How couriers word their scans, after their real texts (Tests/Corpus): JNE and TIKI in
/// English capitals, J&T, SiCepat, AnterAja, Pos and SPX in their own Indonesian sentences,
/// Ninja in English event names. Shared by the dialects that pass courier texts through
/// (Binderbyte, RajaOngkir, Komerce).
enum ScanTexts {
    static func receiver(_ awb: String) -> String {
        let names = ["BUDI", "SITI", "AGUS", "DEWI", "RINA", "ANDI", "WAYAN", "PUTRI", "FAJAR", "INDAH"]
        return names[stableHash(awb + "#name") % names.count]
    }

    /// The text of one scan of `awb` for courier code `courier`, at local time `clock` (HH:mm).
    static func describe(_ step: TimelineStep, awb: String, timeline: Timeline, courier: String, date: String, clock: String) -> String {
        if let text = step.text { return text }
        let place = step.location
        let site = place.replacingOccurrences(of: " ", with: "_")
        switch courier {
        case "tiki":
            switch step.kind {
            case .infoReceived: return "SHIPMENT DATA ENTRY AT \(place)"
            case .pickedUp: return "DEPARTED FROM \(place) [\(place)]"
            case .sortedAtOrigin: return "TRANSIT AT \(place)"
            case .forwarded: return "DEPARTED TO \(timeline.destination)"
            case .arrivedAtDestination: return "ARRIVED AT TIKI \(place)"
            case .exceptionHold: return "SHIPMENT ON HOLD AT \(place)"
            case .outForDelivery: return "WITH DELIVERY COURIER AT \(place)"
            case .failedAttempt: return "UNDELIVERED - CONSIGNEE NOT AT HOME \(place)"
            case .delivered: return "SUCCESS / [M] RECEIVED BY: \(receiver(awb))"
            case .returning: return "RETURN TO SHIPPER \(place)"
            case .returned: return "RETURNED TO SHIPPER \(place)"
            }
        case "jne":
            switch step.kind {
            case .infoReceived: return "SHIPMENT DATA ENTRY AT [\(place)]"
            case .pickedUp: return "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [\(place)]"
            case .sortedAtOrigin: return "PROCESSED AT SORTING CENTER [\(place)]"
            case .forwarded: return "DEPARTED FROM TRANSIT [GATEWAY , \(place)]"
            case .arrivedAtDestination: return "RECEIVED AT INBOUND STATION [\(place)]"
            case .exceptionHold: return "SHIPMENT IS BEING HELD [\(place)]"
            case .outForDelivery: return "WITH DELIVERY COURIER [\(place)]"
            case .failedAttempt: return "CONSIGNEE NOT AT HOME [\(place)]"
            case .delivered: return "DELIVERED TO [\(receiver(awb)) | \(date) \(clock) | \(place)]"
            case .returning: return "RETURN TO SHIPPER PROCESS [\(place)]"
            case .returned: return "RETURNED TO SHIPPER [\(place)]"
            }
        case "jnt":
            switch step.kind {
            case .infoReceived: return "Manifes"
            case .pickedUp: return "Paket telah diterima oleh \(site)"
            case .sortedAtOrigin: return "Paket akan dikirimkan ke \(site)_GATEWAY"
            case .forwarded: return "Paket telah sampai di \(site)_GATEWAY"
            case .arrivedAtDestination: return "Paket telah sampai di DC_\(site)"
            case .exceptionHold: return "Paket disimpan di gudang J&T"
            case .outForDelivery: return "Paket akan dikirim ke alamat penerima"
            case .failedAttempt: return "Paket Gagal dikirim"
            case .delivered: return "Paket telah diterima"
            case .returning: return "Paket akan diretur"
            case .returned: return "Package returned to seller"
            }
        case "sicepat":
            switch step.kind {
            case .infoReceived: return "Terima permintaan pick up dari [TOKO LACAK]"
            case .pickedUp: return "Paket telah di pick up oleh [SIGESIT - \(receiver(awb + "#pickup"))]"
            case .sortedAtOrigin: return "Paket telah di input (manifested) di \(place) [\(place) Sortation]"
            case .forwarded: return "Paket keluar dari \(place) [\(place) Sortation]"
            case .arrivedAtDestination: return "Paket telah di terima di \(place) [\(place) Hub]"
            case .exceptionHold: return "Paket di kembalikan di \(place) [\(place) Hub] - (MR) Misroute"
            case .outForDelivery: return "Paket dibawa [SIGESIT - \(receiver(awb + "#courier"))]"
            case .failedAttempt: return "Paket di kembalikan di \(place) [\(place) Hub] - (NTH) Not At Home"
            case .delivered: return "Paket diterima oleh [\(receiver(awb)) - (YBS) Yang Bersangkutan]"
            case .returning: return "Paket Retur dibawa [SIGESIT - \(receiver(awb + "#courier"))]"
            case .returned: return "Paket retur telah diterima oleh pengirim [\(place)]"
            }
        case "anteraja":
            switch step.kind {
            case .infoReceived: return "Pickup sudah di-request oleh shipper, dan SATRIA akan pickup parcel."
            case .pickedUp: return "Parcel sudah diterima oleh SATRIA."
            case .sortedAtOrigin: return "Parcel sedang diproses di Hub \(place)"
            case .forwarded: return "Parcel menuju ke Hub \(timeline.destination) (proses transit)."
            case .arrivedAtDestination: return "Parcel sudah tiba di SS Kota \(place) untuk proses delivery."
            case .exceptionHold: return "Parcel tertahan di Hub \(place)."
            case .outForDelivery: return "SATRIA sudah ditugaskan dan parcel akan segera diantar ke penerima."
            case .failedAttempt: return "Delivery gagal: penerima tidak di tempat."
            case .delivered: return "Delivery sukses oleh SATRIA dan paket telah diterima oleh \(receiver(awb))(Penerima asli). Terima kasih sudah menggunakan jasa AnterAja #PastiBawaHepi."
            case .returning: return "Parcel dalam proses retur ke pengirim."
            case .returned: return "Parcel retur telah diterima oleh pengirim."
            }
        case "ninja":
            return english(step, timeline: timeline)
        case "tiktok" where stableHash(awb) % 2 == 0:
            // TikTok Shop's own tracking, in English (Indonesian ones fall through below).
            switch step.kind {
            case .infoReceived: return "Seller is preparing your parcel"
            case .pickedUp: return "Your parcel has been picked up by the logistics provider"
            case .sortedAtOrigin: return "Your parcel has arrived at the sorting center in \(place)"
            case .forwarded: return "Your parcel has left the sorting center in \(place)"
            case .arrivedAtDestination: return "Your parcel has arrived at the delivery hub in \(place)"
            case .exceptionHold: return "Your parcel is on hold due to an incomplete address"
            case .outForDelivery: return "Your parcel is out for delivery"
            case .failedAttempt: return "Delivery attempt failed: the recipient was not available"
            case .delivered: return "Your parcel has been delivered"
            case .returning: return "Your parcel is being returned to the seller"
            case .returned: return "Your parcel has been returned to the seller"
            }
        default:
            switch step.kind {
            case .infoReceived: return "Data kiriman telah diterima sistem, menunggu penjemputan [\(place)]"
            case .pickedUp: return "Paket telah dijemput oleh kurir [\(place)]"
            case .sortedAtOrigin: return "Paket telah sampai di gudang sortir [\(place)]"
            case .forwarded: return "Paket akan dikirimkan ke \(timeline.destination) [\(place)]"
            case .arrivedAtDestination: return "Paket telah sampai di \(place)"
            case .exceptionHold: return "Paket tertahan: alamat tidak lengkap [\(place)]"
            case .outForDelivery: return "Paket sedang diantar oleh kurir [\(place)]"
            case .failedAttempt: return "Pengantaran gagal: penerima tidak di tempat [\(place)]"
            case .delivered: return "Paket telah diterima oleh \(receiver(awb)) (YBS) [\(place)]"
            case .returning: return "Paket dalam proses retur ke pengirim [\(place)]"
            case .returned: return "Paket retur telah diterima pengirim [\(place)]"
            }
        }
    }

    /// English wording for the global APIs (17TRACK, AfterShip, EasyPost) and Ninja.
    static func english(_ step: TimelineStep, timeline: Timeline) -> String {
        if let text = step.text { return text }
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
