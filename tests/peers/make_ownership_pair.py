"""Peer fixture: a FollowTheMoney file written by the followthemoney library itself, with two
`Ownership` entities of their own ids between the same owner and asset from the same day (50%
and 10%), the shape that once lost the second record on import. run.sh imports it and checks
that ownergraph holds two relations, each with its share.

Usage: make_ownership_pair.py OUT.ftm.json
"""

import json
import sys

from followthemoney import model


def main(out):
    owner = model.make_entity("Company")
    owner.make_id("peer-pair", "owner")
    owner.add("name", "Pair Owner Holdings Ltd")
    asset = model.make_entity("Company")
    asset.make_id("peer-pair", "asset")
    asset.add("name", "Pair Asset Trading LLC")
    entities = [owner, asset]
    for share, filing in (("50", "filing-a"), ("10", "filing-b")):
        ownership = model.make_entity("Ownership")
        ownership.make_id("peer-pair", "ownership", filing)
        ownership.add("owner", owner.id)
        ownership.add("asset", asset.id)
        ownership.add("percentage", share)
        ownership.add("startDate", "2020-01-01")
        ownership.add("sourceUrl", f"https://example.org/{filing}")
        entities.append(ownership)
    with open(out, "w", encoding="utf-8") as handle:
        for entity in entities:
            handle.write(json.dumps(entity.to_dict()) + "\n")
    print(f"wrote {len(entities)} entities ({owner.id} owns {asset.id} twice) to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
