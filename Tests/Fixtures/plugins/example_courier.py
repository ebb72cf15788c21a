#!/usr/bin/env python3
"""An example lacak exec plugin (and the one the tests use).

lacak writes a batch to stdin:
    {"protocol": 1, "courier": "<courier id>",
     "queries": [{"tracking_number": "OK12345", "courier_code": "jne"}, ...]}
and reads results from stdout:
    {"results": [{"tracking_number": "OK12345", "outcome": "found", "service": "REG",
                  "events": [{"time": "2026-11-28T10:00:00+07:00", "description": "...",
                              "location": "JAKARTA", "code": "PU", "status": "in_transit",
                              "reason": "picked_up"}]},
                 {"tracking_number": "NF12345", "outcome": "not_found", "message": "..."},
                 {"tracking_number": "ER12345", "outcome": "error", "message": "..."}]}
`status` (lacak's carrier status) and `reason` are optional: without them the courier's
status rules classify the event by `code` and `description`. Secrets arrive as environment
variables LACAK_SECRET_<NAME>; anything written to stderr goes to lacak's log.

This one makes up its answers from the tracking number, to exercise every path:
OK… found, ending in 9 delivered; NF… not found; ER… an error; and a number containing
CRASH, HANG, LIE, BIG or SECRET makes the plugin misbehave that way.
"""
import json
import os
import sys
import time


def events_for(number):
    delivered = number.endswith("9")
    events = [
        {"time": "2026-11-27T09:00:00+07:00", "description": "Shipment data received", "location": "JAKARTA", "code": "IR"},
        {"time": "2026-11-27T15:30:00+07:00", "description": "Picked up by courier", "location": "JAKARTA",
         "status": "in_transit", "reason": "picked_up"},
    ]
    if delivered:
        events.append({"time": "2026-11-28T11:15:00+07:00", "description": "Delivered to BUDI", "location": "BANDUNG",
                       "status": "delivered"})
    return events


def main():
    request = json.load(sys.stdin)
    numbers = [query["tracking_number"] for query in request["queries"]]
    sys.stderr.write(f"example plugin: {len(numbers)} number(s) for {request['courier']}; args {sys.argv[1:]}\n")
    if any("CRASH" in number for number in numbers):
        sys.stderr.write("example plugin: crashing on purpose\n")
        sys.exit(3)
    if any("HANG" in number for number in numbers):
        time.sleep(60)
    if any("BIG" in number for number in numbers):
        sys.stdout.write("[" + "0," * 5_000_000 + "0]")
        return
    if any("SECRET" in number for number in numbers):
        sys.stderr.write("example plugin: my key is " + os.environ.get("LACAK_SECRET_API_KEY", "(none)") + "\n")
    results = []
    for number in numbers:
        if "LIE" in number:
            results.append({"tracking_number": "SOMEONE-ELSE", "outcome": "found", "events": []})
            results.append({"tracking_number": number, "outcome": "found", "events": [{"time": "not a time"}]})
        elif number.startswith("NF"):
            results.append({"tracking_number": number, "outcome": "not_found", "message": "unknown number"})
        elif number.startswith("ER"):
            results.append({"tracking_number": number, "outcome": "error", "message": "courier system down"})
        else:
            results.append({"tracking_number": number, "outcome": "found", "service": "REG", "events": events_for(number)})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
