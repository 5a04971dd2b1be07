"""One reconciler per kind: a connector's run, TenantMatches, DeviceMatches, Contacts,
Configurations (devices), BitLocker keys. They read and write through `sync.state` and talk
to Graph through `graph`; when and by whom they run is `sync.engine`'s business."""
