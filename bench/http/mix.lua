-- wrk script: a mix of explorer and compliance requests over the bundled data.
-- Each thread walks the list from its own offset; every answer that is not 2xx is an error.
local paths = {
  "/entities/hikvision", "/entities/hikvision.json", "/entities/xuar-psb", "/entities/ofac-306",
  "/entities/ofac-36", "/entities/ofac-10001.json", "/entities/dahua", "/entities/sensetime.json",
  "/search?q=hikvision", "/search?q=bank+melli", "/search?q=rosoboron", "/search.json?q=hangzhou",
  "/search?q=%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86", "/search?q=sberbank&schema=LegalEntity",
  "/entities/hikvision/graph?depth=2", "/entities/xuar-psb/graph?depth=2&direction=in",
  "/entities/ofac-306/graph.json?depth=2",
  "/paths?from=aksu-psb&to=urumqi-psb", "/paths.json?from=hikvision&to=cetc&k=3",
  "/paths?from=ofac-306&to=ofac-36&max=6&directed=false",
  "/entities/sensetime-shenzhen/exposure?regime=bis&as_of=2025-10-15",
  "/entities/hikvision/exposure.json?regime=ofac", "/entities/ofac-10001/exposure?regime=eu",
  "/lists", "/",
}
local counter = 0

setup = function(thread)
  thread:set("offset", math.random(1, #paths))
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + (offset or 0)) % #paths) + 1])
end
