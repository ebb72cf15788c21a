"""A made-up Seller Center order export for `make bench` (no real customer's data): the real
column set, one row per SKU line, with the oddities real files have (a byte order mark, ids
ending in a tab, quoted product names with commas, quotes and line breaks, day-first times,
unshipped orders without a tracking id, split shipments, cancellations and returns)."""
import csv
import random

HEADERS = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID", "Seller SKU",
    "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price", "SKU Subtotal Before Discount",
    "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount", "Shipping Fee After Discount",
    "Original Shipping Fee", "Shipping Fee Seller Discount", "Shipping Fee Platform Discount", "Payment platform discount",
    "Taxes", "Small Order Fee", "Order Amount", "Order Refund Amount", "Created Time", "Paid Time", "RTS Time", "Shipped Time",
    "Delivered Time", "Cancelled Time", "Cancel By", "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID",
    "Delivery Option", "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode",
    "Country", "Province", "Regency and City", "Districts", "Villages", "Detail Address", "Additional address information",
    "Payment Method", "Weight(kg)", "Product Category", "Package ID", "Seller Note", "Checked Status", "Checked Marked by",
]
PROVIDERS = [("J&T Express", "JP{:010d}"), ("JNE", "JX{:010d}"), ("SiCepat", "00{:010d}"), ("SPX Express", "SPXID{:010d}"),
             ("Ninja Xpress", "NLIDAP{:08d}"), ("AnterAja", "10{:010d}"), ("ID Express", "IDE{:09d}")]
PRODUCTS = ["Kaos Polos Hitam", 'Kemeja "Flanel", kotak-kotak', "Celana Jeans\nBahan Stretch", "Sepatu Sneakers", "Tas Ransel",
            "Jam Tangan Digital", "Hijab Segi Empat", "Dompet Kulit", "Topi Baseball", "Kacamata Hitam"]


def rows(total, seed=7):
    rng = random.Random(seed)
    n = 0
    order = 0
    while n < total:
        order += 1
        oid = f"5770{order:014d}\t"
        kind = rng.random()
        lines = min(total - n, rng.choice([1, 1, 2, 2, 3]))
        if kind < 0.1:
            status, sub, request, packages = "To ship", "Awaiting shipment", "", 0
        elif kind < 0.15:
            status, sub, request, packages = "Cancelled", "Cancelled", "Cancel", 0
        elif kind < 0.18:
            status, sub, request, packages = "Completed", "Completed", "Return/Refund", 1
        elif kind < 0.3 and lines > 1:
            status, sub, request, packages = "Shipped", "In transit", "", 2
        else:
            status, sub, request, packages = rng.choice([("Shipped", "In transit", "", 1), ("Completed", "Completed", "", 1),
                                                         ("To ship", "Awaiting collection", "", 1)])
        day = rng.randint(1, 28)
        created = f"{day:02d}/09/2026 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        parcels = []
        for p in range(packages):
            provider, pattern = rng.choice(PROVIDERS)
            parcels.append((provider, pattern.format(order * 3 + p), f"11500{order * 3 + p:011d}\t"))
        for line in range(lines):
            n += 1
            parcel = parcels[line % len(parcels)] if parcels else ("", "", "")
            row = {name: "" for name in HEADERS}
            row.update({
                "Order ID": oid, "Order Status": status, "Order Substatus": sub, "Cancelation/Return Type": request,
                "Normal or Pre-order": "Normal", "SKU ID": f"17{rng.randint(10**14, 10**15):d}\t", "Seller SKU": f"SKU-{line}",
                "Product Name": rng.choice(PRODUCTS), "Variation": rng.choice(["Hitam, L", "Putih, M", "Biru, XL"]),
                "Quantity": str(rng.randint(1, 3)), "SKU Unit Original Price": "IDR 79.000", "Order Amount": "IDR 158.000",
                "Created Time": created, "Paid Time": created, "Tracking ID": parcel[1] + ("\t" if parcel[1] else ""),
                "Shipping Provider Name": parcel[0], "Package ID": parcel[2], "Buyer Username": f"pembeli{order}",
                "Recipient": f"Pembeli {order}", "Phone #": "(+62)812*****89", "Country": "Indonesia", "Province": "Jawa Barat",
                "Regency and City": "Kota Bandung", "Districts": "Coblong", "Villages": "Dago",
                "Detail Address": "Jl. Ir. H. Juanda No. 1, RT 01/RW 02", "Payment Method": "COD", "Weight(kg)": "0.5",
                "Delivery Option": "Standard", "Fulfillment Type": "Fulfillment by seller",
            })
            if status == "Cancelled":
                row["Cancelled Time"] = created
                row["Cancel By"] = "Buyer"
                row["Cancel Reason"] = "Change of mind"
            yield [row[name] for name in HEADERS]


def write_csv(path, total):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows(total))


def write_xlsx(path, total):
    import xlsxwriter

    # Whole-workbook mode: text goes to the shared strings table, as Excel writes it.
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("OrderSKUList")
    sheet.write_row(0, 0, HEADERS)
    for index, row in enumerate(rows(total), start=1):
        sheet.write_row(index, 0, row)
    book.close()
