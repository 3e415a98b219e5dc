"""Local simulator of the Azure Resource Manager Compute API (development and tests only; never deployed).

An independent reading of Azure's API (spec, official examples, recorded traffic): VMs (seeded, or
created from images and gallery versions, with their NICs on seeded subnets, agent timeline and
Run Command) and their managed disks, snapshots, VHD blobs (registered, no blob service), managed
images, galleries with their sharing profile and soft delete, image definitions and versions from
every source kind with replication, async-operation monitors, throttling and fault injection, all
on a clock that can be virtual.

Entry points:
- `armsim.testing.running_armsim(clock=None, **config)`: in-process server + admin facade;
- `armsim.testing.VirtualTimeTransport(clock)`: SDK transport whose sleeps advance a VirtualClock;
- `armsim.clock`: `Clock` protocol, `VirtualClock`, `ScaledClock`, `RealClock`;
- `python -m armsim --port 0 --clock real|scaled|virtual ...`: standalone server.
"""
