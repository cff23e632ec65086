from clustermgr.cli import main

main()
